#version 430
// Linear blend skinning, once per frame per skin, as a compute pass (phav.render.skinning.SkinBuffers;
// the path where the full-screen passes run as compute shaders): one invocation per vertex, the
// same math as the transform-feedback program (skinning.glsl), the same skinned buffer layout.
//
// Defined by phav.render.skinning: SKIN_GROUP_SIZE (invocations per work group), SKIN_VERTEX_WORDS
// (4-byte words per bind-pose vertex), IN_POSITION_WORD, IN_NORMAL_WORD, IN_BONES_WORD,
// IN_WEIGHTS_WORD (first word of each attribute in a vertex, phav.render.meshes.word_columns) and
// SKINNED_VERTEX_WORDS (floats per skinned vertex).
#include "skinning.glsl"
layout(local_size_x = SKIN_GROUP_SIZE) in;

// The skin's interleaved bind-pose vertices (phav.render.meshes.SKIN_DTYPE), as raw words.
layout(std430, binding = 0) readonly buffer BindPose { uint u_bind[]; };
// Per vertex: view (t), view_next (t+1), view_prev (t-1), normal (t), 3 floats each, as transform
// feedback interleaves phav.render.skinning.SKINNED_VARYINGS.
layout(std430, binding = 1) writeonly buffer Skinned { float u_skinned[]; };
uniform uint u_vertices;  // vertices in the skin

float bind_float(uint word) { return uintBitsToFloat(u_bind[word]); }

vec3 bind_vec3(uint word) { return vec3(bind_float(word), bind_float(word + 1u), bind_float(word + 2u)); }

void store_vec3(uint word, vec3 value) {
    u_skinned[word] = value.x;
    u_skinned[word + 1u] = value.y;
    u_skinned[word + 2u] = value.z;
}

void main() {
    uint vertex = gl_GlobalInvocationID.x;
    if (vertex >= u_vertices) return;
    uint base = vertex * uint(SKIN_VERTEX_WORDS);
    uint b = base + uint(IN_BONES_WORD);
    uint w = base + uint(IN_WEIGHTS_WORD);
    SkinnedVertex v = skin_vertex(bind_vec3(base + uint(IN_POSITION_WORD)), bind_vec3(base + uint(IN_NORMAL_WORD)),
                                  uvec4(u_bind[b], u_bind[b + 1u], u_bind[b + 2u], u_bind[b + 3u]),
                                  vec4(bind_float(w), bind_float(w + 1u), bind_float(w + 2u), bind_float(w + 3u)));
    uint out_base = vertex * uint(SKINNED_VERTEX_WORDS);
    store_vec3(out_base, v.view);
    store_vec3(out_base + 3u, v.view_next);
    store_vec3(out_base + 6u, v.view_prev);
    store_vec3(out_base + 9u, v.normal);
}

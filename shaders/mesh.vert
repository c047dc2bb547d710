#version 330 core
// Part meshes, rigid or (with SKINNED) linear-blend skinned. Rigid: per-part model-view matrices
// for t, t+1 and t-1 come from the part table (phav.render.uniforms.part_table): texel columns
// 0-3 = t, 4-7 = t+1, 8-11 = t-1, 12 = (instance id, 0, 0, 0). Skinned: each vertex blends up to 4
// bone matrices of the skin's bone palette (phav.render.uniforms.bone_table: columns 0-3, 4-7, 8-11
// for t, t+1, t-1), the same weights for all three frames, so motion is exact for deforming bodies.
// With GROUND_TRUTH the shader emits the clip position at t+1; otherwise the G-buffer attributes
// and the clip positions at t-1 and t+1 (for the per-pixel velocity of motion blur).
#include "frame_block.glsl"

in vec3 in_position;
in uint in_semantic;
#ifdef SKINNED
uniform sampler2D u_bones;
uniform int u_instance;
in uvec4 in_bones;
in vec4 in_weights;
#else
uniform sampler2D u_parts;
uniform int u_part;
#endif

#ifdef GROUND_TRUTH
out vec4 v_clip_next;
flat out uint v_semantic;
flat out uint v_instance;
#else
in vec3 in_normal;
in vec3 in_color;
in vec2 in_material;
out vec3 v_normal;
out vec3 v_color;
out vec2 v_material;
out vec4 v_clip_next;
out vec4 v_clip_prev;
out float v_depth;
flat out uint v_semantic;
#endif

#ifdef SKINNED
mat4 bone_matrix(int first_column, uint bone) {
    int row = int(bone);
    return mat4(texelFetch(u_bones, ivec2(first_column + 0, row), 0),
                texelFetch(u_bones, ivec2(first_column + 1, row), 0),
                texelFetch(u_bones, ivec2(first_column + 2, row), 0),
                texelFetch(u_bones, ivec2(first_column + 3, row), 0));
}
mat4 model_view(int first_column) {
    return in_weights.x * bone_matrix(first_column, in_bones.x) + in_weights.y * bone_matrix(first_column, in_bones.y)
         + in_weights.z * bone_matrix(first_column, in_bones.z) + in_weights.w * bone_matrix(first_column, in_bones.w);
}
uint instance_id() { return uint(u_instance); }
#else
mat4 model_view(int first_column) {
    return mat4(texelFetch(u_parts, ivec2(first_column + 0, u_part), 0),
                texelFetch(u_parts, ivec2(first_column + 1, u_part), 0),
                texelFetch(u_parts, ivec2(first_column + 2, u_part), 0),
                texelFetch(u_parts, ivec2(first_column + 3, u_part), 0));
}
uint instance_id() { return uint(texelFetch(u_parts, ivec2(12, u_part), 0).x + 0.5); }
#endif

void main() {
    vec4 local = vec4(in_position, 1.0);
    mat4 mv = model_view(0);
    vec4 view = mv * local;
    gl_Position = u_proj * view;
    v_clip_next = u_proj_next * (model_view(4) * local);
#ifdef GROUND_TRUTH
    v_semantic = in_semantic;
    v_instance = instance_id();
#else
    v_clip_prev = u_proj_prev * (model_view(8) * local);
    v_normal = mat3(mv) * in_normal;  // rigid: exact; skinned: the blended rotation (renormalised later)
    v_color = in_color;
    v_material = in_material;
    v_depth = view.z;
    v_semantic = in_semantic;
#endif
}

#version 330 core
// Rigid part meshes. Per-part model-view matrices for t and t+1 come from the part table
// (phav.render.uniforms.part_table): texel columns 0-3 = model-view at t, 4-7 = at t+1,
// 8 = (instance id, 0, 0, 0). With GROUND_TRUTH the shader also emits the clip position at t+1.
#include "frame_block.glsl"

uniform sampler2D u_parts;
uniform int u_part;

in vec3 in_position;
#ifdef GROUND_TRUTH
in uint in_semantic;
out vec4 v_clip_next;
flat out uint v_semantic;
flat out uint v_instance;
#else
in vec3 in_normal;
in vec3 in_color;
out vec3 v_normal;
out vec3 v_color;
#endif

mat4 part_matrix(int first_column) {
    return mat4(texelFetch(u_parts, ivec2(first_column + 0, u_part), 0),
                texelFetch(u_parts, ivec2(first_column + 1, u_part), 0),
                texelFetch(u_parts, ivec2(first_column + 2, u_part), 0),
                texelFetch(u_parts, ivec2(first_column + 3, u_part), 0));
}

void main() {
    vec4 local = vec4(in_position, 1.0);
    mat4 model_view = part_matrix(0);
    gl_Position = u_proj * (model_view * local);
#ifdef GROUND_TRUTH
    v_clip_next = u_proj_next * (part_matrix(4) * local);
    v_semantic = in_semantic;
    v_instance = uint(texelFetch(u_parts, ivec2(8, u_part), 0).x + 0.5);
#else
    v_normal = mat3(model_view) * in_normal;  // rigid: the rotation is its own normal matrix
    v_color = in_color;
#endif
}

#version 330 core
// Part meshes, rigid or (with SKINNED) skinned. Rigid: per-part model-view matrices for t, t+1 and
// t-1 come from the part's row of the part table (phav.render.uniforms.part_table): every part's
// rows of a frame are in the uniform block PartData (written once per frame, phav.render.part_batch),
// indexed by the vertex's part (in_part, its index within the block's chunk of parts); row entries
// 0-2 = t, 3-5 = t+1, 6-8 = t-1 (the top three matrix rows; a rigid model-view's fourth row is
// (0, 0, 0, 1)), 9 = (instance id, 0, 0, 0). So one draw covers any run of consecutive parts. (A uniform block rather than a texture: texture fetches per vertex
// cost llvmpipe about a third of the vertex work.) PART_ROWS and PART_COLUMNS (defined by the renderer): vec4 entries
// in the block and per part. Skinned: the vertex arrives already skinned, in the
// camera frame at t, t+1 and t-1 (shaders/skin_transform.vert ran once this frame, captured by
// transform feedback), with its normal in the camera frame at t; the skin's instance is a uniform.
// With GROUND_TRUTH the shader emits the clip position at t+1; otherwise the G-buffer attributes
// and the clip positions at t-1 and t+1 (for the per-pixel velocity of motion blur); clip positions
// as xyw (frame_block.glsl), and no z-depth: the fragment shader has it as 1 / gl_FragCoord.w. With SHADOW
// only the position in the sun's light clip space (u_light: camera frame at t -> light clip).
// With GBUFFER_GROUND_TRUTH (G-buffer attributes) the instance id too, for the fused ground truth.
#include "frame_block.glsl"

in vec3 in_position;
in uint in_semantic;
#ifdef SKINNED
uniform int u_instance;
in vec3 in_view_next;
in vec3 in_view_prev;
#else
in uint in_part;
layout(std140) uniform PartData {
    vec4 u_parts[PART_ROWS];
};
#endif

#if defined(SHADOW)
uniform mat4 u_light;
#elif defined(GROUND_TRUTH)
out vec3 v_clip_next;  // xyw
flat out uint v_semantic;
flat out uint v_instance;
#else
in vec3 in_normal;
in vec3 in_color;
in vec2 in_material;
out vec3 v_normal;
out vec3 v_color;
out vec2 v_material;
out vec3 v_clip_next;  // xyw (frame_block.glsl)
out vec3 v_clip_prev;
flat out uint v_semantic;
#ifdef GBUFFER_GROUND_TRUTH
flat out uint v_instance;
#endif
#endif

#ifndef SKINNED
int part_row() {
    return int(in_part) * PART_COLUMNS;
}

mat4 model_view(int first_row) {
    int row = part_row() + first_row;
    return transpose(mat4(u_parts[row + 0], u_parts[row + 1], u_parts[row + 2], vec4(0.0, 0.0, 0.0, 1.0)));
}
#endif

void main() {
#ifdef SKINNED
    vec4 view = vec4(in_position, 1.0);
    vec4 view_next = vec4(in_view_next, 1.0);
#else
    vec4 local = vec4(in_position, 1.0);
    mat4 mv = model_view(0);
    vec4 view = mv * local;
#endif
#ifdef SHADOW
    gl_Position = u_light * view;
#else
#ifdef SKINNED
    uint instance = uint(u_instance);
#else
    vec4 view_next = model_view(3) * local;
    uint instance = uint(u_parts[part_row() + PART_COLUMNS - 1].x + 0.5);
#endif
    gl_Position = u_proj * view;
    v_clip_next = (u_proj_next * view_next).xyw;
#ifdef GROUND_TRUTH
    v_semantic = in_semantic;
    v_instance = instance;
#else
#ifdef SKINNED
    v_clip_prev = (u_proj_prev * vec4(in_view_prev, 1.0)).xyw;
    v_normal = in_normal;
#else
    v_clip_prev = (u_proj_prev * (model_view(6) * local)).xyw;
    v_normal = mat3(mv) * in_normal;
#endif
    v_color = in_color;
    v_material = in_material;
    v_semantic = in_semantic;
#ifdef GBUFFER_GROUND_TRUTH
    v_instance = instance;
#endif
#endif
#endif  // SHADOW
}

#version 330 core
// Linear blend skinning, once per frame per skin, captured by transform feedback
// (phav.render.skinning.SkinBuffers; the path where the full-screen passes run as fragment
// shaders). The math lives in skinning.glsl, shared with skin_transform.comp. The G-buffer,
// ground-truth, shadow and fused passes then draw the captured camera-frame positions.
#include "skinning.glsl"

in vec3 in_position;
in vec3 in_normal;
in uvec4 in_bones;
in vec4 in_weights;

out vec3 out_view;       // camera frame at t, metres
out vec3 out_view_next;  // camera frame at t+1
out vec3 out_view_prev;  // camera frame at t-1
out vec3 out_normal;     // camera frame at t (the blended rotation; renormalised when shaded)

void main() {
    SkinnedVertex v = skin_vertex(in_position, in_normal, in_bones, in_weights);
    out_view = v.view;
    out_view_next = v.view_next;
    out_view_prev = v.view_prev;
    out_normal = v.normal;
}

#version 330 core
// Ground truth of the surface at each output pixel centre (no filtering).
#include "frame_block.glsl"

in vec4 v_clip_next;
flat in uint v_semantic;
flat in uint v_instance;

layout(location = 0) out float o_depth;     // z-depth along the camera axis, metres
layout(location = 1) out uint o_semantic;
layout(location = 2) out uint o_instance;
layout(location = 3) out vec4 o_motion;     // see forward_motion()

void main() {
    vec2 pixel = gl_FragCoord.xy - 0.5;
    o_depth = 1.0 / gl_FragCoord.w;  // gl_FragCoord.w = 1 / clip w = 1 / z-depth
    o_semantic = v_semantic;
    o_instance = v_instance;
    o_motion = forward_motion(v_clip_next, pixel);
}

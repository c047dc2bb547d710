#version 330 core
// Ground truth of the surface at each output pixel centre (no filtering): the separate ground-truth
// pass (supersampled G-buffer, or no lit pass). At output size the G-buffer pass writes the same
// targets itself (gbuffer.frag with GBUFFER_GROUND_TRUTH).
#include "frame_block.glsl"

in vec3 v_clip_next;  // clip position at t+1, xyw
flat in uint v_semantic;
flat in uint v_instance;

layout(location = 0) out float o_gt_depth;     // z-depth along the camera axis, metres
layout(location = 1) out uint o_gt_semantic;
layout(location = 2) out uint o_gt_instance;
layout(location = 3) out vec4 o_gt_motion;     // see forward_motion()

#include "ground_truth.glsl"

void main() {
    write_ground_truth(v_clip_next, v_semantic, v_instance);
}

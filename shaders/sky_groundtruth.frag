#version 330 core
// Ground truth where no geometry is drawn: sky, depth +inf, no instance, flow of directions at
// infinity. Drawn over the whole target before the geometry. With GBUFFER_GROUND_TRUTH (the
// G-buffer pass writes the ground truth, output size) it also writes the G-buffer's empty value
// (zero) to the G-buffer's three attachments, in place of their clear.
#include "common.glsl"
#include "frame_block.glsl"

#ifndef SKY_CLASS
#error "SKY_CLASS must be defined (the Sky semantic id)"
#endif

#ifdef GBUFFER_GROUND_TRUTH
layout(location = 0) out vec4 o_albedo;
layout(location = 1) out vec4 o_normal;
layout(location = 2) out vec4 o_surface;
layout(location = 3) out float o_gt_depth;
layout(location = 4) out uint o_gt_semantic;
layout(location = 5) out uint o_gt_instance;
layout(location = 6) out vec4 o_gt_motion;
#else
layout(location = 0) out float o_gt_depth;
layout(location = 1) out uint o_gt_semantic;
layout(location = 2) out uint o_gt_instance;
layout(location = 3) out vec4 o_gt_motion;
#endif

#include "ground_truth.glsl"

void main() {
#ifdef GBUFFER_GROUND_TRUTH
    o_albedo = vec4(0.0);
    o_normal = vec4(0.0);
    o_surface = vec4(0.0);
#endif
    write_sky_ground_truth();
}

#version 430
// Compute entry of the sky's ground truth (sky_groundtruth.frag is the fragment twin; both store
// sky_ground_truth() of ground_truth.glsl): one invocation per output pixel, 8x8 per work group,
// into the ground-truth targets bound as images 0-3 (depth, semantic, instance, motion), before
// the geometry is drawn over them. On an H200 a full-screen fragment fill of the four 340x256
// targets took 38.5 us of GPU time, this shader 8.3 us (benchmarks/raster_probe.py).
#define GROUND_TRUTH_COMPUTE
#include "common.glsl"
#include "frame_block.glsl"

#ifndef SKY_CLASS
#error "SKY_CLASS must be defined (the Sky semantic id)"
#endif

#include "ground_truth.glsl"

layout(local_size_x = 8, local_size_y = 8) in;
layout(r32f, binding = 0) writeonly uniform image2D u_depth;
layout(r8ui, binding = 1) writeonly uniform uimage2D u_semantic;
layout(r16ui, binding = 2) writeonly uniform uimage2D u_instance;
layout(rgba32f, binding = 3) writeonly uniform image2D u_motion;

void main() {
    ivec2 texel = ivec2(gl_GlobalInvocationID.xy);
    if (any(greaterThanEqual(texel, imageSize(u_depth)))) return;
    GroundTruth sky = sky_ground_truth(vec2(texel));
    imageStore(u_depth, texel, vec4(sky.depth));
    imageStore(u_semantic, texel, uvec4(sky.semantic));
    imageStore(u_instance, texel, uvec4(sky.instance));
    imageStore(u_motion, texel, sky.motion);
}

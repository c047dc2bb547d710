// Ground truth of an output pixel (no filtering); needs frame_block.glsl.
//
// Fragment shaders (the default) get the writers: the including shader declares the four outputs
// (float o_gt_depth, uint o_gt_semantic, uint o_gt_instance, vec4 o_gt_motion) at its own locations:
// groundtruth.frag (separate pass, locations 0-3) and gbuffer.frag with GBUFFER_GROUND_TRUTH (fused
// into the G-buffer pass at output size, locations 3-6) share write_ground_truth, so both write the
// same bytes. A compute shader defines GROUND_TRUTH_COMPUTE before the include and gets only the
// functions of a pixel (sky_groundtruth.comp stores sky_ground_truth() into images).

// One pixel's ground truth, as the four targets store it.
struct GroundTruth {
    float depth;    // z-depth, metres (+inf: sky)
    uint semantic;  // semantic id
    uint instance;  // instance id (0: none)
    vec4 motion;    // forward motion record, see forward_motion()
};

// Ground truth where no geometry is drawn (needs common.glsl and SKY_CLASS): sky, depth +inf,
// no instance, flow of directions at infinity. `pixel` is the integer texel coordinate (u, v) of
// the output pixel: gl_FragCoord.xy - 0.5 in a fragment shader, the invocation's texel in a compute
// shader; the two are the same floats, so both entry points store the same bytes.
#ifdef SKY_CLASS
GroundTruth sky_ground_truth(vec2 pixel) {
    vec4 motion;
    vec3 q = mat3(u_sky_homography) * vec3(pixel, 1.0);  // q.z > 0: the direction is in front at t+1
    if (u_flags.x < 0.5 || q.z <= 0.0) {
        motion = vec4(0.0, 0.0, phav_inf(), 0.0);
    } else {
        vec2 next_pixel = q.xy / q.z;
        motion = vec4(next_pixel - pixel, phav_inf(), inside_image(next_pixel) ? 1.0 : 0.0);
    }
    return GroundTruth(phav_inf(), uint(SKY_CLASS), 0u, motion);
}
#endif

#ifndef GROUND_TRUTH_COMPUTE
// Ground truth of a surface fragment at its output pixel centre (`clip_next`: its clip position at
// t+1 as xyw).
void write_ground_truth(vec3 clip_next, uint semantic, uint instance) {
    vec2 pixel = gl_FragCoord.xy - 0.5;
    o_gt_depth = 1.0 / gl_FragCoord.w;  // gl_FragCoord.w = 1 / clip w = 1 / z-depth, metres
    o_gt_semantic = semantic;
    o_gt_instance = instance;
    o_gt_motion = forward_motion(clip_next, pixel);
}

#ifdef SKY_CLASS
// The sky's ground truth (sky_ground_truth) at this fragment's pixel.
void write_sky_ground_truth() {
    GroundTruth sky = sky_ground_truth(gl_FragCoord.xy - 0.5);
    o_gt_depth = sky.depth;
    o_gt_semantic = sky.semantic;
    o_gt_instance = sky.instance;
    o_gt_motion = sky.motion;
}
#endif
#endif

// Ground truth of a surface fragment at its output pixel centre (no filtering); needs
// frame_block.glsl. The including shader declares the four outputs (float o_gt_depth, uint
// o_gt_semantic, uint o_gt_instance, vec4 o_gt_motion) at its own locations: groundtruth.frag
// (separate pass, locations 0-3) and gbuffer.frag with GBUFFER_GROUND_TRUTH (fused into the
// G-buffer pass at output size, locations 3-6) share this code, so both write the same bytes.

void write_ground_truth(vec4 clip_next, uint semantic, uint instance) {
    vec2 pixel = gl_FragCoord.xy - 0.5;
    o_gt_depth = 1.0 / gl_FragCoord.w;  // gl_FragCoord.w = 1 / clip w = 1 / z-depth, metres
    o_gt_semantic = semantic;
    o_gt_instance = instance;
    o_gt_motion = forward_motion(clip_next, pixel);
}

// Ground truth where no geometry is drawn (needs common.glsl and SKY_CLASS): sky, depth +inf,
// no instance, flow of directions at infinity.
#ifdef SKY_CLASS
void write_sky_ground_truth() {
    vec2 pixel = gl_FragCoord.xy - 0.5;
    o_gt_depth = phav_inf();
    o_gt_semantic = uint(SKY_CLASS);
    o_gt_instance = 0u;
    vec3 q = mat3(u_sky_homography) * vec3(pixel, 1.0);  // q.z > 0: the direction is in front at t+1
    if (u_flags.x < 0.5 || q.z <= 0.0) {
        o_gt_motion = vec4(0.0, 0.0, phav_inf(), 0.0);
    } else {
        vec2 next_pixel = q.xy / q.z;
        o_gt_motion = vec4(next_pixel - pixel, phav_inf(), inside_image(next_pixel) ? 1.0 : 0.0);
    }
}
#endif

// Flow validity of frame t: the occlusion test of frame t's forward motion against frame t+1's
// z-depth, the rule of phav.render.flow.flow_validity (the numpy oracle; both give the same bytes).
// Body of flow_valid.frag and flow_valid.comp: flow_valid(texel) and flow_bits(texel).
//
// A pixel's flow is valid when its surface is in front of the camera and inside the image at t+1
// (motion.w > 0.5) and the depth it is predicted to have at t+1 (motion.z) matches, within
// u_rel_tol * |z| + u_abs_tol metres, frame t+1's depth at the nearest target pixel or frame t+1's
// depth interpolated bilinearly at the target position from the four pixels around it (surfaces at
// a grazing angle); a sky pixel (predicted depth +-inf) must land on sky at the nearest pixel. The
// nearest pixel rounds half to even (numpy rint), NaN coordinates go to 0 and +-inf to the border,
// then everything is clamped to the image. Non-finite values are told apart by their bits
// (compilers may assume finite floats), and the arithmetic is `precise` (no fused multiply-add)
// so every comparison sees the float32 values numpy sees.

uniform sampler2D u_motion;      // frame t: RGBA32F (flow u, flow v px, z-depth at t+1 m, in front and inside at t+1)
uniform sampler2D u_depth_next;  // frame t+1: R32F z-depth, metres (+inf sky)
uniform float u_rel_tol;         // RenderSettings.occlusion_rel_tol
uniform float u_abs_tol;         // RenderSettings.occlusion_abs_tol, metres

#if __VERSION__ >= 400 || defined(GL_ARB_gpu_shader5)
#define FLOW_PRECISE precise
#else
#define FLOW_PRECISE
#endif

bool flow_is_nan(float x) { return (floatBitsToUint(x) & 0x7fffffffu) > 0x7f800000u; }
bool flow_is_inf(float x) { return (floatBitsToUint(x) & 0x7fffffffu) == 0x7f800000u; }

// Pixel index of a (rounded or floored) coordinate along an axis of n pixels: NaN -> 0, clamped to [0, n-1].
int flow_index(float coord, int n) {
    if (flow_is_nan(coord)) return 0;
    return int(clamp(coord, 0.0, float(n - 1)));
}

float flow_depth_next(int x, int y) { return texelFetch(u_depth_next, ivec2(x, y), 0).r; }

// 1 where frame t's flow at `texel` is valid, else 0.
uint flow_valid(ivec2 texel) {
    vec4 m = texelFetch(u_motion, texel, 0);
    if (flow_is_nan(m.w) || m.w <= 0.5) return 0u;
    ivec2 size = textureSize(u_depth_next, 0);
    FLOW_PRECISE float x = float(texel.x) + m.x;
    FLOW_PRECISE float y = float(texel.y) + m.y;
    float seen = flow_depth_next(flow_index(roundEven(x), size.x), flow_index(roundEven(y), size.y));
    if (flow_is_inf(m.z)) return flow_is_inf(seen) ? 1u : 0u;  // sky lands on sky
    FLOW_PRECISE float tolerance = u_rel_tol * abs(m.z) + u_abs_tol;
    FLOW_PRECISE float difference = abs(m.z - seen);
    if (!flow_is_nan(difference) && !flow_is_nan(tolerance) && difference <= tolerance) return 1u;
    // Bilinear depth at the target position (NaN where it is not finite or sky is among the four).
    FLOW_PRECISE float x0 = floor(x);
    FLOW_PRECISE float y0 = floor(y);
    FLOW_PRECISE float fx = x - x0;
    FLOW_PRECISE float fy = y - y0;
    int xa = flow_index(x0, size.x), xb = flow_index(x0 + 1.0, size.x);
    int ya = flow_index(y0, size.y), yb = flow_index(y0 + 1.0, size.y);
    float d00 = flow_depth_next(xa, ya), d01 = flow_depth_next(xb, ya);
    float d10 = flow_depth_next(xa, yb), d11 = flow_depth_next(xb, yb);
    FLOW_PRECISE float top = d00 + fx * (d01 - d00);
    FLOW_PRECISE float bottom = d10 + fx * (d11 - d10);
    FLOW_PRECISE float between = top + fy * (bottom - top);
    FLOW_PRECISE float off = abs(m.z - between);
    if (flow_is_nan(off) || flow_is_nan(tolerance)) return 0u;
    return off <= tolerance ? 1u : 0u;
}

// The bits of frame t's flow (u, v) at `texel`: an exact copy of the motion target's float32 pair.
uvec2 flow_bits(ivec2 texel) {
    return floatBitsToUint(texelFetch(u_motion, texel, 0).xy);
}

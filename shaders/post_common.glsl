// Shared by the post passes (needs frame_block.glsl): G-buffer access at the supersampled size.
uniform sampler2D u_source;   // the chain's current HDR/LDR image
uniform sampler2D u_albedo;   // alpha 1 where geometry
uniform sampler2D u_normal;   // camera-frame normal, roughness
uniform sampler2D u_surface;  // velocity (output px/frame), z-depth (m), metalness
uniform float u_ssaa;

// Supersampled texel of a camera-frame point (x right, y down, z forward), and whether it is on screen.
vec2 project_texel(vec3 p) {
    vec2 pixel = p.xy / p.z * u_intrinsics.xy + u_intrinsics.zw;  // output pixels
    return (pixel + 0.5) * u_ssaa;
}
bool on_screen(vec2 texel) {
    return all(greaterThanEqual(texel, vec2(0.0))) && all(lessThan(texel, u_viewport.xy * u_ssaa));
}
// Camera-frame position of a supersampled texel from its stored z-depth.
vec3 view_position(vec2 texel, float depth) {
    vec3 ray = view_ray(texel / u_ssaa - 0.5);
    return ray * (depth / ray.z);
}
float hash12(vec2 p) {
    vec3 p3 = fract(vec3(p.xyx) * 0.1031);
    p3 += dot(p3, p3.yzx + 33.33);
    return fract((p3.x + p3.y) * p3.z);
}

// Reduced-resolution effect terms (SSAO, SSR, bloom) are computed once per output pixel, at the
// G-buffer texel in the middle of that pixel's ssaa x ssaa block.
uniform sampler2D u_low;  // the pass's output-size term; .a holds the z-depth it was computed at
ivec2 centre_texel(ivec2 pixel) {
    int s = int(u_ssaa + 0.5);
    return pixel * s + s / 2;
}
// Depth-aware upsample of an output-size term (u_low, or SSAO's u_ao): of the 2x2 output pixels
// around a supersampled texel, the term computed at the depth closest to the texel's (so a
// person's term never bleeds onto the ground behind).
vec4 upsample_by_depth(sampler2D low, ivec2 texel, float depth) {
    vec2 p = (vec2(texel) + 0.5) / u_ssaa - 0.5;
    ivec2 base = ivec2(floor(p));
    ivec2 last = textureSize(low, 0) - 1;
    vec4 best = vec4(0.0);
    float best_gap = 1e30;
    for (int j = 0; j < 2; ++j) {
        for (int i = 0; i < 2; ++i) {
            vec4 v = texelFetch(low, clamp(base + ivec2(i, j), ivec2(0), last), 0);
            float gap = abs(v.a - depth);
            if (gap < best_gap) { best_gap = gap; best = v; }
        }
    }
    return best;
}

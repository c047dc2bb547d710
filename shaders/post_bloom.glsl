// Bloom in two steps. LOW_RES (output size): light above u_threshold (HDR luminance, read at each
// tap's centre texel) gathered over a disc of u_radius output pixels (u_samples golden-angle taps,
// Gaussian-weighted). Otherwise (supersampled): that glow, bilinearly upsampled, added with
// u_intensity. Pixels with no bright neighbour are unchanged.
// Body of post_bloom.frag and post_bloom.comp: pass_main(texel of the target).
#include "common.glsl"
#include "frame_block.glsl"
#include "post_common.glsl"

uniform float u_threshold;
uniform float u_intensity;
uniform float u_radius;
uniform int u_samples;

#ifdef LOW_RES
vec3 bright(ivec2 pixel) {
    ivec2 p = clamp(pixel, ivec2(0), ivec2(u_viewport.xy) - 1);
    vec3 c = texelFetch(u_source, centre_texel(p), 0).rgb;
    float l = luminance(c);
    return l > u_threshold ? c * ((l - u_threshold) / l) : vec3(0.0);
}

vec4 pass_main(ivec2 pixel) {
    vec3 sum = vec3(0.0);
    float wsum = 0.0;
    for (int i = 0; i < u_samples; ++i) {
        float fi = (float(i) + 0.5) / float(u_samples);
        float r = u_radius * sqrt(fi);
        float phi = 2.3999632 * float(i);
        float w = exp(-3.0 * fi);
        sum += w * bright(pixel + ivec2(round(r * vec2(cos(phi), sin(phi)))));
        wsum += w;
    }
    return vec4(sum / max(wsum, 1e-6), 1.0);
}
#else
vec4 pass_main(ivec2 texel) {
    vec3 c = texelFetch(u_source, texel, 0).rgb;
    // Explicit level 0: compute shaders have no implicit derivatives (u_low has no mipmaps).
    vec3 glow = textureLod(u_low, (vec2(texel) + 0.5) / (u_viewport.xy * u_ssaa), 0.0).rgb;
    return vec4(c + u_intensity * glow, 1.0);
}
#endif

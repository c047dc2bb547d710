// Box-downsample the supersampled image (u_factor x u_factor texels per output pixel) in linear
// light, then encode sRGB for an 8-bit target.
// Body of resolve.frag and resolve.comp: pass_main(output pixel).
#include "common.glsl"

#ifndef SSAA_FACTOR
#error "SSAA_FACTOR must be defined (texels per output pixel along each axis)"
#endif

uniform sampler2D u_source;
// A compile-time constant: the loops unroll, and at 1 the resolve is a plain sRGB encode.
const int u_factor = SSAA_FACTOR;

// The resolved, sRGB-encoded colour of output pixel `pixel` of the supersampled `source`.
vec4 resolve_texel(sampler2D source, ivec2 pixel) {
    ivec2 base = pixel * u_factor;
    vec3 sum = vec3(0.0);
    for (int j = 0; j < u_factor; ++j) {
        for (int i = 0; i < u_factor; ++i) {
            sum += clamp(texelFetch(source, base + ivec2(i, j), 0).rgb, 0.0, 1.0);
        }
    }
    return vec4(linear_to_srgb(sum / float(u_factor * u_factor)), 1.0);
}

vec4 pass_main(ivec2 pixel) {
    return resolve_texel(u_source, pixel);
}

// Post pass: exposure, a filmic tone curve and a light colour grade (saturation). HDR in, [0, 1] out.
// Body of post_tonemap.frag and post_tonemap.comp: pass_main(texel of the target).
#include "common.glsl"

uniform sampler2D u_source;
uniform float u_exposure;
uniform float u_saturation;

// Filmic curve: Narkowicz's fit of the ACES reference tone curve, with its 0.6 input scale.
vec3 filmic(vec3 x) {
    const float a = 2.51, b = 0.03, c = 2.43, d = 0.59, e = 0.14;
    x *= 0.6;
    return clamp((x * (a * x + b)) / (x * (c * x + d) + e), 0.0, 1.0);
}

vec4 pass_main(ivec2 texel) {
    vec3 c = texelFetch(u_source, texel, 0).rgb * u_exposure;
    c = filmic(c);
    c = clamp(mix(vec3(luminance(c)), c, u_saturation), 0.0, 1.0);
    return vec4(c, 1.0);
}

// The tonemap pass as a function of one texel's colour: exposure, a filmic tone curve and a light
// colour grade (saturation). HDR in, [0, 1] out. post_tonemap.glsl applies it as a pass; it can
// also run as another pass's epilogue (post_epilogue.glsl, phav.render.post).
#include "common.glsl"

uniform float u_exposure;
uniform float u_saturation;

// Filmic curve: Narkowicz's fit of the ACES reference tone curve, with its 0.6 input scale.
vec3 filmic(vec3 x) {
    const float a = 2.51, b = 0.03, c = 2.43, d = 0.59, e = 0.14;
    x *= 0.6;
    return clamp((x * (a * x + b)) / (x * (c * x + d) + e), 0.0, 1.0);
}

// c: the texel's colour; texel, size: its position and the image's size (unused here).
vec3 tonemap_stage(vec3 c, ivec2 texel, ivec2 size) {
    c = c * u_exposure;
    c = filmic(c);
    return clamp(mix(vec3(luminance(c)), c, u_saturation), 0.0, 1.0);
}

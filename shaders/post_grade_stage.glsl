// The colour grade as a function of one texel's colour ([0, 1], tone-mapped, linear): lift, gain
// (per channel), contrast about mid grey (0.18) in log space, then saturation about the luminance.
// post_grade.glsl applies it as a pass; it can also run as another pass's epilogue
// (post_epilogue.glsl). Contrast as a power about mid grey keeps black black and every dark value
// above it: about 0.5 in linear light a contrast of 1.05 sent everything below 0.024 (sRGB 43/255)
// to black, which left night frames black.
#include "common.glsl"

uniform vec3 u_lift;
uniform vec3 u_gain;
uniform float u_contrast;
uniform float u_grade_saturation;

const float MID_GREY = 0.18;  // linear

// c: the texel's colour; texel, size: its position and the image's size (unused here).
vec3 grade_stage(vec3 c, ivec2 texel, ivec2 size) {
    c = u_lift + c * (u_gain - u_lift);
    c = MID_GREY * pow(max(c, vec3(0.0)) / MID_GREY, vec3(u_contrast));
    c = mix(vec3(luminance(c)), c, u_grade_saturation);
    return clamp(c, 0.0, 1.0);
}

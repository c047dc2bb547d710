// The colour grade as a function of one texel's colour ([0, 1], tone-mapped): lift, gain (per
// channel), contrast about mid grey, then saturation about the luminance. post_grade.glsl applies
// it as a pass; it can also run as another pass's epilogue (post_epilogue.glsl).
#include "common.glsl"

uniform vec3 u_lift;
uniform vec3 u_gain;
uniform float u_contrast;
uniform float u_grade_saturation;

// c: the texel's colour; texel, size: its position and the image's size (unused here).
vec3 grade_stage(vec3 c, ivec2 texel, ivec2 size) {
    c = u_lift + c * (u_gain - u_lift);
    c = (c - 0.5) * u_contrast + 0.5;
    c = mix(vec3(luminance(c)), c, u_grade_saturation);
    return clamp(c, 0.0, 1.0);
}

// Colour grading on the tone-mapped image ([0, 1]): lift, gain (per channel), contrast about mid
// grey, then saturation about the luminance.
// Body of post_grade.frag and post_grade.comp: pass_main(texel of the target).
#include "common.glsl"

uniform sampler2D u_source;
uniform vec3 u_lift;
uniform vec3 u_gain;
uniform float u_contrast;
uniform float u_saturation;

vec4 pass_main(ivec2 texel) {
    vec3 c = texelFetch(u_source, texel, 0).rgb;
    c = u_lift + c * (u_gain - u_lift);
    c = (c - 0.5) * u_contrast + 0.5;
    c = mix(vec3(luminance(c)), c, u_saturation);
    return vec4(clamp(c, 0.0, 1.0), 1.0);
}

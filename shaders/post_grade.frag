#version 330 core
// Colour grading on the tone-mapped image ([0, 1]): lift, gain (per channel), contrast about mid
// grey, then saturation about the luminance.
#include "common.glsl"

uniform sampler2D u_source;
uniform vec3 u_lift;
uniform vec3 u_gain;
uniform float u_contrast;
uniform float u_saturation;

out vec4 o_color;

void main() {
    vec3 c = texelFetch(u_source, ivec2(gl_FragCoord.xy), 0).rgb;
    c = u_lift + c * (u_gain - u_lift);
    c = (c - 0.5) * u_contrast + 0.5;
    c = mix(vec3(luminance(c)), c, u_saturation);
    o_color = vec4(clamp(c, 0.0, 1.0), 1.0);
}

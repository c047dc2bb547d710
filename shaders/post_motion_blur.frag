#version 330 core
// Motion blur: average u_samples taps along the pixel's velocity (G-buffer, output pixels per
// frame) scaled by the shutter (u_shutter = shutter angle / 360), centred on the pixel. Pixels with
// zero velocity are unchanged; sky pixels use zero velocity.
#include "frame_block.glsl"
#include "post_common.glsl"

uniform float u_shutter;
uniform int u_samples;

out vec4 o_color;

void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    vec3 c = texelFetch(u_source, texel, 0).rgb;
    vec2 vel = texelFetch(u_albedo, texel, 0).a < 0.5 ? vec2(0.0) : texelFetch(u_surface, texel, 0).xy;
    vec2 extent = vel * u_shutter * u_ssaa;  // supersampled texels covered while the shutter is open
    if (dot(extent, extent) < 0.25) { o_color = vec4(c, 1.0); return; }
    ivec2 size = ivec2(u_viewport.xy * u_ssaa) - 1;
    vec3 sum = vec3(0.0);
    for (int i = 0; i < u_samples; ++i) {
        float f = (float(i) + 0.5) / float(u_samples) - 0.5;
        sum += texelFetch(u_source, clamp(ivec2(gl_FragCoord.xy + extent * f), ivec2(0), size), 0).rgb;
    }
    o_color = vec4(sum / float(u_samples), 1.0);
}

// Motion blur: average u_samples taps along the pixel's velocity (G-buffer, output pixels per
// frame) scaled by the shutter (u_shutter = shutter angle / 360), centred on the pixel. Pixels with
// zero velocity are unchanged; sky pixels use zero velocity (the G-buffer is cleared to zero),
// except where rain or snow covers them (phav.render.precipitation_pass writes their velocity).
// Body of post_motion_blur.frag and post_motion_blur.comp: pass_main(texel of the target).
#include "frame_block.glsl"
#include "post_common.glsl"

uniform float u_shutter;
uniform int u_samples;

vec4 pass_main(ivec2 texel) {
    vec3 c = texelFetch(u_source, texel, 0).rgb;
    vec2 vel = texelFetch(u_surface, texel, 0).xy;  // zero on the sky (cleared) unless rain or snow is there
    vec2 extent = vel * u_shutter * u_ssaa;  // supersampled texels covered while the shutter is open
    if (dot(extent, extent) < 0.25) return vec4(c, 1.0);
    ivec2 size = ivec2(u_viewport.xy * u_ssaa) - 1;
    vec2 centre = vec2(texel) + 0.5;
    vec3 sum = vec3(0.0);
    for (int i = 0; i < u_samples; ++i) {
        float f = (float(i) + 0.5) / float(u_samples) - 0.5;
        sum += texelFetch(u_source, clamp(ivec2(centre + extent * f), ivec2(0), size), 0).rgb;
    }
    return vec4(sum / float(u_samples), 1.0);
}

#version 330 core
// Deferred lighting at the supersampled size: sun (Lambert) + hemispheric sky ambient + ambient;
// the sky gradient where nothing was drawn. Output: linear HDR radiance.
#include "frame_block.glsl"
#include "sky.glsl"

const float GROUND_BOUNCE = 0.3;  // light from below, relative to the horizon colour

uniform sampler2D u_albedo;
uniform sampler2D u_normal;

in vec2 v_uv;
out vec4 o_color;

vec3 hemisphere_ambient(vec3 n) {
    vec3 ground = u_sky_horizon.rgb * GROUND_BOUNCE;
    vec3 sky = 0.5 * (u_sky_horizon.rgb + u_sky_zenith.rgb);
    return mix(ground, sky, 0.5 + 0.5 * dot(n, u_up.xyz));
}

void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    vec4 albedo = texelFetch(u_albedo, texel, 0);
    if (albedo.a < 0.5) {
        vec2 pixel = v_uv * u_viewport.xy - 0.5;  // continuous output-pixel coordinates
        o_color = vec4(sky_radiance(view_ray(pixel)), 1.0);
        return;
    }
    vec3 n = normalize(texelFetch(u_normal, texel, 0).xyz);
    vec3 irradiance = u_sun_color.rgb * max(dot(n, u_sun_dir.xyz), 0.0) + hemisphere_ambient(n) + u_ambient.rgb;
    o_color = vec4(albedo.rgb * irradiance, 1.0);
}

// Procedural sky gradient; needs frame_block.glsl.

const float SKY_BELOW_HORIZON = 0.6;   // radiance below the horizon, relative to the horizon colour
const float SKY_GRADIENT_POWER = 0.5;  // how fast the horizon colour gives way to the zenith colour
const float SUN_GLOW_POWER = 256.0;    // tightness of the glow around the sun
const float SUN_GLOW_STRENGTH = 0.5;

// Linear sky radiance along a unit view direction given in the camera frame.
vec3 sky_radiance(vec3 dir) {
    float elevation = dot(dir, u_up.xyz);
    vec3 above = mix(u_sky_horizon.rgb, u_sky_zenith.rgb, pow(clamp(elevation, 0.0, 1.0), SKY_GRADIENT_POWER));
    vec3 below = u_sky_horizon.rgb * SKY_BELOW_HORIZON;
    vec3 sky = elevation >= 0.0 ? above : below;
    float glow = pow(max(dot(dir, u_sun_dir.xyz), 0.0), SUN_GLOW_POWER);
    return sky + u_sun_color.rgb * glow * SUN_GLOW_STRENGTH;
}

// Deferred lighting at the supersampled size. Physically based (metal/roughness): Lambert diffuse
// plus GGX specular (Schlick Fresnel, Smith-Schlick visibility) for the sun and up to MAX_LIGHTS
// local point lights (inverse-square falloff windowed to their radius), hemispheric sky ambient and
// ambient light on the diffuse part; the sun is occluded by its shadow map (soft PCF, see
// sun_visibility); exponential height fog (take.atmosphere) over everything;
// the sky gradient where nothing was drawn. Output: linear HDR radiance.
// Body of lighting.frag and lighting.comp: pass_main(texel of the supersampled target).
#include "common.glsl"
#include "frame_block.glsl"
#include "sky.glsl"

const float GROUND_BOUNCE = 0.3;  // light from below, relative to the horizon colour
const float PI = 3.14159265;
const int MAX_LIGHTS = 8;
const float SKY_DISTANCE = 2000.0;  // fog path length of the sky, metres

uniform sampler2D u_albedo;
uniform sampler2D u_normal;
uniform sampler2D u_surface;
uniform vec3 u_fog_color;
uniform vec3 u_fog;           // ground density (1/m), height falloff (1/m), camera height above z=0 (m)
uniform int u_light_count;
uniform vec3 u_light_pos[MAX_LIGHTS];    // camera frame at t, metres
uniform vec3 u_light_color[MAX_LIGHTS];  // irradiance at 1 m
uniform float u_light_radius[MAX_LIGHTS];
// Sun shadow map (phav.render.shadows): depth comparison, bilinear, so every tap is a 2x2 PCF; an
// atlas of u_shadow_cascades square maps side by side (near cascade, then the far cascade's moving
// casters), and the far cascade's cached static casters in a map of their own.
uniform sampler2DShadow u_shadow_map;
uniform sampler2DShadow u_shadow_static;
uniform mat4 u_shadow_matrix;  // camera frame at t -> light clip space of the near cascade
uniform vec4 u_shadow;         // x: 1 when the map is valid, y: metres per texel, z: PCF radius (texels), w: map depth per metre
uniform mat4 u_shadow_matrix_far;  // ... of the far cascade
uniform vec4 u_shadow_far;         // x: 1 when the far cascade is valid, y: metres per texel, z: 1 when its
                                   // moving casters' map was drawn this frame, w: map depth per metre
uniform int u_shadow_cascades;     // squares in the atlas (1 or 2)
uniform float u_shadow_normal_offset;  // receiver offset along its normal, texels
uniform float u_shadow_bias;   // constant depth bias, metres
uniform int u_shadow_taps;     // taps per axis

vec3 hemisphere_ambient(vec3 n) {
    vec3 ground = u_sky_horizon.rgb * GROUND_BOUNCE;
    vec3 sky = 0.5 * (u_sky_horizon.rgb + u_sky_zenith.rgb);
    return mix(ground, sky, 0.5 + 0.5 * dot(n, u_up.xyz));
}

// Specular BRDF times pi (the diffuse term is albedo, without 1/pi, as the lighting values assume).
vec3 specular(vec3 n, vec3 v, vec3 l, float roughness, vec3 f0) {
    vec3 h = normalize(v + l);
    float a = max(roughness * roughness, 0.002);
    float nh = max(dot(n, h), 0.0), nv = max(dot(n, v), 1e-3), nl = max(dot(n, l), 0.0);
    float d = a * a / (PI * pow(nh * nh * (a * a - 1.0) + 1.0, 2.0));
    float k = a * 0.5;
    float vis = 1.0 / ((nv * (1.0 - k) + k) * (nl * (1.0 - k) + k));
    vec3 f = f0 + (1.0 - f0) * pow(1.0 - max(dot(h, v), 0.0), 5.0);
    return PI * d * vis * f / 4.0;
}

// Fraction of the sun reaching camera-frame point p with normal n in cascade `c` (light clip
// matrix m, texel size `texel_m` metres, `depth_per_m`); -1 when the cascade does not cover p.
float cascade_visibility(int c, mat4 m, float texel_m, float depth_per_m, vec3 p, vec3 n, float nl) {
    vec3 q = p + n * (u_shadow_normal_offset * texel_m * (1.0 - 0.5 * nl));
    vec3 s = (m * vec4(q, 1.0)).xyz * 0.5 + 0.5;
    if (any(lessThan(s, vec3(0.0))) || any(greaterThan(s, vec3(1.0)))) return -1.0;
    vec2 texel = 1.0 / vec2(textureSize(u_shadow_map, 0));  // atlas texels (x spans the cascades)
    float cascades = float(u_shadow_cascades);
    // Taps stay inside the cascade's square (half a texel in from its edges).
    float lo = (float(c) + 0.5 / float(textureSize(u_shadow_map, 0).y)) / cascades;
    float hi = (float(c + 1) - 0.5 / float(textureSize(u_shadow_map, 0).y)) / cascades;
    // Slope-scaled bias: a plane at angle theta to the light rises tan(theta) metres per metre, and
    // the kernel reaches (radius + 1) texels from the centre.
    float slope = min(sqrt(max(1.0 - nl * nl, 0.0)) / max(nl, 1e-3), 8.0);
    float ref = s.z - depth_per_m * (u_shadow_bias + slope * texel_m * (u_shadow.z + 1.0));
    float step_texels = u_shadow_taps > 1 ? 2.0 * u_shadow.z / float(u_shadow_taps - 1) : 0.0;
    float first = -0.5 * float(u_shadow_taps - 1);
    float lit = 0.0;
    for (int i = 0; i < u_shadow_taps; ++i) {
        for (int j = 0; j < u_shadow_taps; ++j) {
            vec2 offset = (vec2(float(i), float(j)) + first) * step_texels;
            vec2 uv = vec2((float(c) + s.x) / cascades, s.y) + offset * texel;
            if (c == 0) {
                lit += texture(u_shadow_map, vec3(clamp(uv.x, lo, hi), uv.y, ref));
            } else {  // far: the static cache, and where moving casters were drawn, the darker of both
                // Finer texels, the same kernel in metres: taps step in the cascade's texels.
                vec2 static_texel = 1.0 / vec2(textureSize(u_shadow_static, 0));
                vec2 st = clamp(s.xy + offset * texel.y, 0.5 * static_texel, 1.0 - 0.5 * static_texel);
                float tap = texture(u_shadow_static, vec3(st, ref));
                if (u_shadow_far.z > 0.5) tap = min(tap, texture(u_shadow_map, vec3(clamp(uv.x, lo, hi), uv.y, ref)));
                lit += tap;
            }
        }
    }
    return lit / float(u_shadow_taps * u_shadow_taps);
}

// Fraction of the sun reaching camera-frame point p with normal n: the near cascade where it
// covers p, else the far one; 1 outside both.
float sun_visibility(vec3 p, vec3 n, float nl) {
    if (u_shadow.x < 0.5) return 1.0;
    float v = cascade_visibility(0, u_shadow_matrix, u_shadow.y, u_shadow.w, p, n, nl);
    if (v < 0.0 && u_shadow_far.x > 0.5) v = cascade_visibility(1, u_shadow_matrix_far, u_shadow_far.y, u_shadow_far.w, p, n, nl);
    return v < 0.0 ? 1.0 : v;
}

vec3 apply_fog(vec3 color, vec3 dir, float dist) {
    if (u_fog.x <= 0.0) return color;
    float dz = dot(dir, u_up.xyz);
    float fall = u_fog.y;
    float base = u_fog.x * exp(-fall * u_fog.z);
    float x = fall * dz * dist;
    float optical = base * dist * (abs(x) < 1e-4 ? 1.0 - 0.5 * x : (1.0 - exp(-x)) / x);
    return mix(u_fog_color, color, exp(-optical));
}

vec4 pass_main(ivec2 texel) {
    vec4 albedo = texelFetch(u_albedo, texel, 0);
    vec2 uv = (vec2(texel) + 0.5) / vec2(textureSize(u_albedo, 0));  // texel centre in [0, 1]
    vec2 pixel = uv * u_viewport.xy - 0.5;  // continuous output-pixel coordinates
    vec3 ray = view_ray(pixel);
    if (albedo.a < 0.5) {
        return vec4(apply_fog(sky_radiance(ray), ray, SKY_DISTANCE), 1.0);
    }
    vec4 nr = texelFetch(u_normal, texel, 0);
    vec4 surface = texelFetch(u_surface, texel, 0);
    vec3 n = normalize(nr.xyz);
    float roughness = clamp(nr.w, 0.02, 1.0), metal = clamp(surface.w, 0.0, 1.0);
    float depth = surface.z;
    vec3 p = ray * (depth / ray.z);  // camera-frame position
    vec3 v = -ray;
    vec3 diffuse = albedo.rgb * (1.0 - metal);
    vec3 f0 = mix(vec3(0.04), albedo.rgb, metal);
    float nl = max(dot(n, u_sun_dir.xyz), 0.0);
    float visible = nl > 0.0 ? sun_visibility(p, n, nl) : 0.0;
    vec3 color = u_sun_color.rgb * (nl * visible) * (diffuse + specular(n, v, u_sun_dir.xyz, roughness, f0));
    color += diffuse * (hemisphere_ambient(n) + u_ambient.rgb);
    for (int i = 0; i < u_light_count && i < MAX_LIGHTS; ++i) {
        vec3 to_light = u_light_pos[i] - p;
        float dist2 = max(dot(to_light, to_light), 1e-4);
        vec3 l = to_light * inversesqrt(dist2);
        float window = clamp(1.0 - pow(dist2 / (u_light_radius[i] * u_light_radius[i]), 2.0), 0.0, 1.0);
        float nli = max(dot(n, l), 0.0);
        color += u_light_color[i] * (window * window * nli / dist2) * (diffuse + specular(n, v, l, roughness, f0));
    }
    return vec4(apply_fog(color, ray, length(p)), 1.0);
}

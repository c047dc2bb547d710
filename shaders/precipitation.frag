#version 330 core
// Rain or snow over the lit HDR image (supersampled size), blended with src-alpha (phav.render.
// precipitation). The particles live in a procedural field in world space: u_layers spherical
// shells around the camera at distances LAYER_NEAR * LAYER_GROWTH^i metres, each cut into cells
// (azimuth x world height) of a fixed angular size; each cell holds one particle with probability
// proportional to u_rate, at a position hashed from (cell, layer, u_seed) with integer hashes (the
// same take renders the same bytes). The field falls at the particles' speed and drifts with the
// wind's component along the shell, so particles move with time (u_time) and wind. A layer is
// drawn only where the scene surface lies behind it (occlusion by the G-buffer depth). Rain: thin
// streaks one frame of fall long, slanted by the wind; snow: round flakes that wobble sideways.
// Two steps: LOW_RES (output size) writes the coverage of shell i (i < 4) into channel i for the
// ray through the pixel centre; otherwise (supersampled) the shells in front of each sample's
// surface are composited from that texture (u_low) and blended over the image, so the expensive
// field is evaluated once per output pixel and occlusion is still exact per sample.
#include "common.glsl"
#include "frame_block.glsl"

const float PI = 3.14159265;
const float LAYER_NEAR = 1.2;      // metres to the first shell
const float LAYER_GROWTH = 1.9;    // ratio of successive shell distances
const float RAIN_CELL_ANGLE = 0.045;  // cell width on a shell, radians of azimuth
const float RAIN_CELL_ASPECT = 3.0;   // cell height / width (streaks are tall)
const float SNOW_CELL_ANGLE = 0.09;
const float SNOW_CELL_ASPECT = 1.0;

uniform sampler2D u_albedo;   // alpha 1 where geometry
uniform sampler2D u_surface;  // z-depth (m) in .z
uniform mat3 u_camera_to_world;
uniform float u_camera_height;  // camera z in the world, metres
uniform vec3 u_wind;            // world m/s
uniform float u_time;           // seconds since the first frame
uniform float u_frame_time;     // 1 / fps, seconds
uniform float u_rate;           // [0, 1]
uniform int u_kind;             // 0 rain, 1 snow
uniform int u_layers;
uniform uvec2 u_seed;
uniform float u_ssaa;
uniform sampler2D u_low;  // LOW_RES result: coverage of shells 0-3

in vec2 v_uv;
out vec4 o_color;

uvec3 pcg3d(uvec3 v) {  // Jarzynski & Olano, "Hash Functions for GPU Rendering" (2020)
    v = v * 1664525u + 1013904223u;
    v.x += v.y * v.z; v.y += v.z * v.x; v.z += v.x * v.y;
    v ^= v >> 16u;
    v.x += v.y * v.z; v.y += v.z * v.x; v.z += v.x * v.y;
    return v;
}
vec3 random3(ivec3 cell, uint salt) {
    uvec3 h = pcg3d(uvec3(cell) ^ uvec3(u_seed.x, u_seed.y, salt));
    return vec3(h) * (1.0 / 4294967296.0);
}

// Per pixel, independent of the layer: azimuth of the world direction (radians, [0, 2 pi]) and
// the wind's component along the shells there (m/s).
struct Sweep { float azimuth; float wind_along; };

Sweep sweep(vec3 dir) {
    float azimuth = atan(dir.y, dir.x);
    vec3 tangent = vec3(-sin(azimuth), cos(azimuth), 0.0);
    return Sweep(azimuth + PI, dot(u_wind, tangent));
}

// Coverage in [0, 1] of the particles of shell `layer` (at `dist` metres) in world direction `dir`.
// A particle stays inside its own cell (streaks and wobble included), so only the cell
// under the pixel and its nearest neighbours in x and y can cover it (2 x 2 cells).
float layer_coverage(int layer, float dist, vec3 dir, Sweep sw, float pixel_angle) {
    bool snow = u_kind == 1;
    float cells_around = floor(2.0 * PI / (snow ? SNOW_CELL_ANGLE : RAIN_CELL_ANGLE));
    float cell_w = 2.0 * PI * dist / cells_around;  // metres
    float cell_h = cell_w * (snow ? SNOW_CELL_ASPECT : RAIN_CELL_ASPECT);
    float fall = snow ? 1.0 : 9.0;                   // m/s: snowflakes, ~2 mm rain drops
    // Field coordinates (metres): along the shell and up; the field moves down and with the wind.
    float x = sw.azimuth / (2.0 * PI) * cells_around * cell_w - sw.wind_along * u_time;
    float y = u_camera_height + dir.z * dist + fall * u_time;
    float half_width = min(max(snow ? 0.012 : 0.0025, 0.6 * pixel_angle * dist), 0.1 * cell_w);
    // Rain: a streak one frame of fall long (an open shutter), at most 0.4 cells tall.
    float half_length = snow ? half_width : clamp(0.5 * fall * u_frame_time, half_width, 0.4 * cell_h);
    float slant = snow ? 0.0 : clamp(sw.wind_along / fall, -1.0, 1.0) * min(1.0, 0.2 * cell_w / half_length);
    float probability = u_rate * (snow ? 0.8 : 0.45);
    vec2 g = vec2(x / cell_w, y / cell_h);
    ivec2 base = ivec2(floor(g));
    ivec2 toward = ivec2(fract(g.x) < 0.5 ? -1 : 1, fract(g.y) < 0.5 ? -1 : 1);
    float coverage = 0.0;
    for (int k = 0; k < 4; ++k) {
        ivec2 cell = base + ivec2(k & 1, k >> 1) * toward;
        int wrapped = int(mod(float(cell.x), cells_around));
        vec3 r = random3(ivec3(wrapped, cell.y, layer), uint(layer) * 7919u + 17u);
        if (r.z >= probability) continue;
        // Centre 0.3-0.7 of the cell; snow wobbles +-0.15 cell sideways.
        vec2 centre = (vec2(cell) + 0.3 + 0.4 * r.xy) * vec2(cell_w, cell_h);
        if (snow) centre.x += 0.15 * cell_w * sin(2.0 * u_time + 6.2831853 * r.z / max(probability, 1e-6));
        vec2 d = vec2(x, y) - centre;
        d.x -= slant * clamp(d.y, -half_length, half_length);  // distance to the slanted segment
        d.y = max(abs(d.y) - (half_length - half_width), 0.0);
        coverage = max(coverage, 1.0 - smoothstep(0.5 * half_width, 1.5 * half_width, length(d)));
    }
    // Far shells blur into a faint haze rather than discrete particles.
    return coverage / (1.0 + 0.35 * float(layer));
}

#ifdef LOW_RES
void main() {
    vec3 dir = normalize(u_camera_to_world * view_ray(gl_FragCoord.xy - 0.5));
    float pixel_angle = 1.0 / u_intrinsics.x;
    Sweep sw = sweep(dir);
    vec4 coverage = vec4(0.0);
    float dist = LAYER_NEAR;
    for (int layer = 0; layer < u_layers && layer < 4; ++layer) {
        coverage[layer] = layer_coverage(layer, dist, dir, sw, pixel_angle);
        dist *= LAYER_GROWTH;
    }
    o_color = coverage;
}
#else
void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    vec3 ray = view_ray(v_uv * u_viewport.xy - 0.5);
    float scene = texelFetch(u_albedo, texel, 0).a < 0.5 ? phav_inf()
                : texelFetch(u_surface, texel, 0).z / ray.z;  // metres along the ray
    vec4 coverage = texelFetch(u_low, ivec2(vec2(texel) / u_ssaa), 0);
    float alpha = 0.0;
    float dist = LAYER_NEAR;
    for (int layer = 0; layer < u_layers && layer < 4 && dist < scene; ++layer) {
        alpha += (1.0 - alpha) * coverage[layer];
        dist *= LAYER_GROWTH;
    }
    if (alpha <= 0.0) discard;
    vec3 sky = 0.5 * (u_sky_horizon.rgb + u_sky_zenith.rgb);
    float sun_up = max(dot(u_sun_dir.xyz, u_up.xyz), 0.0);
    vec3 light = sky + u_ambient.rgb + u_sun_color.rgb * (0.25 + 0.5 * sun_up);
    // Snowflakes scatter diffusely (white); raindrops mostly refract the bright sky behind them.
    vec3 color = u_kind == 1 ? 0.9 * light : 0.8 * light;
    o_color = vec4(color, alpha * (u_kind == 1 ? 0.9 : 0.3));
}
#endif

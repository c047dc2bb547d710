#version 330 core
// Rain or snow over the lit HDR image (supersampled size), blended with src-alpha (phav.render.
// precipitation, phav.render.precipitation_pass). The particles are anchored in the world: a
// lattice of cells that moves with the falling speed and the wind (its displacement since the
// first frame is u_offset[1], integrated on the CPU), each cell holding one particle with
// probability proportional to u_rate at a position hashed from (cell, band, u_seed) with integer
// hashes (the same take renders the same bytes; a particle's path does not depend on the camera).
// Distance bands [LAYER_NEAR * LAYER_GROWTH^i, LAYER_NEAR * LAYER_GROWTH^(i+1)) along each ray
// use lattices whose cells grow with the band's distance (level of detail), so every band costs
// a few cells per pixel; the ray walks the cells of each band (3D DDA) and tests their particle.
// Rain: thin streaks along the fall direction, one frame of fall long; snow: round flakes that
// wobble sideways.
// Two steps: LOW_RES (output size) writes the coverage of band i (i < 4) into channel i of
// o_color for the ray through the pixel centre, and into o_motion the screen velocity (output
// pixels per frame, centred difference t-1 -> t+1 like the G-buffer's) of the most covering
// particle, its coverage and distance; otherwise (supersampled) the bands in front of each
// sample's surface are composited from those (u_low, u_low_motion) and blended over the image,
// and o_motion marks the samples a particle covers with its velocity (weight in .w). COPY_MOTION
// then writes those velocities into the G-buffer's surface.xy (blended by the weight, colour mask
// on xy) so motion blur smears the particles along their own motion; it is a separate pass
// because the composite reads surface.z and must not write the texture it samples.
#include "common.glsl"
#include "frame_block.glsl"

const float LAYER_NEAR = 1.2;      // metres to the first band
const float LAYER_GROWTH = 1.9;    // ratio of successive band distances
const float RAIN_CELL = 0.25;      // cell width / band distance
const float RAIN_CELL_ASPECT = 3.0;   // cell height / width (streaks are tall)
const float SNOW_CELL = 0.25;
const float SNOW_CELL_ASPECT = 1.0;
const int MAX_CELLS = 8;           // cells walked per band at most (a band crosses about 5)

uniform sampler2D u_albedo;   // alpha 1 where geometry
uniform sampler2D u_surface;  // z-depth (m) in .z
uniform mat3 u_camera_to_world;
uniform vec3 u_camera_position;  // world, metres
uniform mat4 u_world_to_clip[3];  // frames t-1, t, t+1
uniform vec3 u_offset[3];         // lattice displacement (m) at t-1, t, t+1
uniform vec3 u_times;             // seconds at t-1, t, t+1
uniform vec3 u_velocity;          // lattice velocity at t, world m/s
uniform float u_frame_time;       // 1 / fps, seconds
uniform float u_rate;             // [0, 1]
uniform int u_kind;               // 0 rain, 1 snow
uniform int u_layers;
uniform uvec2 u_seed;
uniform float u_ssaa;
uniform sampler2D u_low;         // LOW_RES coverage of bands 0-3
uniform sampler2D u_low_motion;  // LOW_RES velocity (xy), coverage, distance of the top particle
uniform sampler2D u_particle_motion;  // composite's o_motion (COPY_MOTION)

in vec2 v_uv;
layout(location = 0) out vec4 o_color;
layout(location = 1) out vec4 o_motion;

uvec3 pcg3d(uvec3 v) {  // Jarzynski & Olano, "Hash Functions for GPU Rendering" (2020)
    v = v * 1664525u + 1013904223u;
    v.x += v.y * v.z; v.y += v.z * v.x; v.z += v.x * v.y;
    v ^= v >> 16u;
    v.x += v.y * v.z; v.y += v.z * v.x; v.z += v.x * v.y;
    return v;
}

// A particle's world centre at frame index k (0: t-1, 1: t, 2: t+1): lattice position plus the
// lattice's displacement, plus the snowflakes' sideways wobble.
vec3 particle_at(vec3 lattice_pos, float wobble, float phase, int k) {
    vec3 p = lattice_pos + u_offset[k];
    p.x += wobble * sin(2.0 * u_times[k] + phase);
    return p;
}

// Output-pixel velocity of a world point path (centred difference where both neighbours exist).
vec2 screen_velocity(vec3 p_prev, vec3 p_here, vec3 p_next) {
    vec4 c_here = u_world_to_clip[1] * vec4(p_here, 1.0);
    vec4 c_next = u_world_to_clip[2] * vec4(p_next, 1.0);
    vec4 c_prev = u_world_to_clip[0] * vec4(p_prev, 1.0);
    bool has_next = u_flags.x > 0.5 && c_next.w > 0.0;
    bool has_prev = u_flags.y > 0.5 && c_prev.w > 0.0;
    vec2 here = clip_to_pixel(c_here);
    if (has_next && has_prev) return 0.5 * (clip_to_pixel(c_next) - clip_to_pixel(c_prev));
    if (has_next) return clip_to_pixel(c_next) - here;
    if (has_prev) return here - clip_to_pixel(c_prev);
    return vec2(0.0);
}

// The most covering particle of a band: coverage, distance along the ray (m), lattice position
// and wobble phase (to find its path), wobble amplitude (m).
struct Hit { float coverage; float dist; vec3 lattice_pos; float phase; float wobble; };

// The particles of band `band` along the world ray origin + dir * s, s in [s0, s1): the most
// covering one (coverage weighted by the band's haze factor).
Hit band_hit(int band, float s0, float s1, vec3 origin, vec3 dir, float pixel_angle) {
    bool snow = u_kind == 1;
    float cell_w = (snow ? SNOW_CELL : RAIN_CELL) * s0;
    vec3 cell_size = vec3(cell_w, cell_w, cell_w * (snow ? SNOW_CELL_ASPECT : RAIN_CELL_ASPECT));
    float speed = length(u_velocity);
    vec3 axis = speed > 1e-6 ? u_velocity / speed : vec3(0.0, 0.0, -1.0);
    float physical = snow ? 0.012 : 0.0025;
    // Rain: a streak one frame of fall long (an open shutter) kept inside 0.56 of its cell.
    float half_length = 0.0;
    if (!snow) {
        half_length = 0.5 * speed * u_frame_time;
        float across = length(axis.xy), along = abs(axis.z);
        if (across > 1e-6) half_length = min(half_length, 0.28 * cell_size.x / across);
        if (along > 1e-6) half_length = min(half_length, 0.28 * cell_size.z / along);
    }
    float wobble = snow ? 0.12 * cell_w : 0.0;
    float probability = u_rate * (snow ? 0.9 : 0.9);
    // 3D DDA over the lattice (cell units) from the band's entry point.
    vec3 start = (origin + dir * s0 - u_offset[1]) / cell_size;
    vec3 d = dir / cell_size;
    ivec3 cell = ivec3(floor(start));
    vec3 step_dir = sign(d);
    vec3 inv = vec3(abs(d.x) > 1e-9 ? 1.0 / abs(d.x) : 1e30, abs(d.y) > 1e-9 ? 1.0 / abs(d.y) : 1e30,
                    abs(d.z) > 1e-9 ? 1.0 / abs(d.z) : 1e30);
    vec3 frac_to_edge = mix(start - vec3(cell), vec3(cell) + 1.0 - start, step(0.0, step_dir));
    vec3 next_edge = frac_to_edge * inv;  // ray distance (from s0) to the next cell boundary per axis
    Hit best = Hit(0.0, 0.0, vec3(0.0), 0.0, wobble);
    float walked = 0.0;
    for (int i = 0; i < MAX_CELLS && walked < s1 - s0; ++i) {
        uvec3 h = pcg3d(uvec3(cell) ^ uvec3(u_seed.x, u_seed.y, uint(band) * 7919u + 17u));
        vec3 r = vec3(h) * (1.0 / 4294967296.0);
        if (r.z < probability) {
            vec3 r2 = vec3(pcg3d(h)) * (1.0 / 4294967296.0);
            // Centre 0.3-0.7 of the cell on every axis (streaks and wobble stay inside it).
            vec3 lattice_pos = (vec3(cell) + 0.3 + 0.4 * vec3(r.x, r.y, r2.x)) * cell_size;
            float phase = 6.2831853 * r2.y;
            vec3 centre = particle_at(lattice_pos, wobble, phase, 1);
            // Closest approach of the ray to the segment centre +- axis * half_length.
            vec3 w = origin - centre;
            float b = dot(dir, axis), e = dot(axis, w), f = dot(dir, w);
            float denom = 1.0 - b * b;
            float u = denom > 1e-6 ? clamp((e - b * f) / denom, -half_length, half_length) : 0.0;
            float s = b * u - f;
            if (s >= s0 && s < s1) {
                float dist = length(w + dir * s - axis * u);
                float half_width = min(max(physical, 0.6 * pixel_angle * s), 0.1 * cell_w);
                float c = 1.0 - smoothstep(0.5 * half_width, 1.5 * half_width, dist);
                if (c > best.coverage) best = Hit(c, s, lattice_pos, phase, wobble);
            }
        }
        // Step into the neighbouring cell across the nearest boundary.
        if (next_edge.x < next_edge.y && next_edge.x < next_edge.z) {
            walked = next_edge.x; next_edge.x += inv.x; cell.x += int(step_dir.x);
        } else if (next_edge.y < next_edge.z) {
            walked = next_edge.y; next_edge.y += inv.y; cell.y += int(step_dir.y);
        } else {
            walked = next_edge.z; next_edge.z += inv.z; cell.z += int(step_dir.z);
        }
    }
    // Far bands blur into a faint haze rather than discrete particles.
    best.coverage /= 1.0 + 0.35 * float(band);
    return best;
}

#if defined(COPY_MOTION)
void main() {
    o_color = texelFetch(u_particle_motion, ivec2(gl_FragCoord.xy), 0);
    if (o_color.w <= 0.0) discard;
    o_motion = vec4(0.0);
}
#elif defined(LOW_RES)
void main() {
    vec3 ray = view_ray(gl_FragCoord.xy - 0.5);
    vec3 dir = normalize(u_camera_to_world * ray);
    float pixel_angle = 1.0 / u_intrinsics.x;
    // Particles behind the surface at the pixel centre are hidden (metres along the ray).
    ivec2 centre = ivec2(floor(gl_FragCoord.xy * u_ssaa));
    float scene = texelFetch(u_albedo, centre, 0).a < 0.5 ? phav_inf() : texelFetch(u_surface, centre, 0).z / ray.z;
    vec4 coverage = vec4(0.0);
    Hit top = Hit(0.0, 0.0, vec3(0.0), 0.0, 0.0);
    float dist = LAYER_NEAR;
    for (int band = 0; band < u_layers && band < 4 && dist < scene; ++band) {
        Hit h = band_hit(band, dist, min(dist * LAYER_GROWTH, scene), u_camera_position, dir, pixel_angle);
        coverage[band] = h.coverage;
        if (h.coverage > top.coverage) top = h;
        dist *= LAYER_GROWTH;
    }
    o_color = coverage;
    vec2 velocity = top.coverage <= 0.0 ? vec2(0.0) : screen_velocity(
        particle_at(top.lattice_pos, top.wobble, top.phase, 0), particle_at(top.lattice_pos, top.wobble, top.phase, 1),
        particle_at(top.lattice_pos, top.wobble, top.phase, 2));
    o_motion = vec4(velocity, top.coverage, top.dist);
}
#else
void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    vec3 ray = view_ray(v_uv * u_viewport.xy - 0.5);
    float scene = texelFetch(u_albedo, texel, 0).a < 0.5 ? phav_inf()
                : texelFetch(u_surface, texel, 0).z / ray.z;  // metres along the ray
    ivec2 low = ivec2(vec2(texel) / u_ssaa);
    vec4 coverage = texelFetch(u_low, low, 0);
    float alpha = 0.0;
    float dist = LAYER_NEAR;
    for (int band = 0; band < u_layers && band < 4 && dist < scene; ++band) {
        alpha += (1.0 - alpha) * coverage[band];
        dist *= LAYER_GROWTH;
    }
    vec4 top = texelFetch(u_low_motion, low, 0);
    o_motion = vec4(top.xy, 0.0, top.z > 0.5 && top.w < scene ? 1.0 : 0.0);
    if (alpha <= 0.0) discard;
    vec3 sky = 0.5 * (u_sky_horizon.rgb + u_sky_zenith.rgb);
    float sun_up = max(dot(u_sun_dir.xyz, u_up.xyz), 0.0);
    vec3 light = sky + u_ambient.rgb + u_sun_color.rgb * (0.25 + 0.5 * sun_up);
    // Snowflakes scatter diffusely (white); raindrops mostly refract the bright sky behind them.
    vec3 color = u_kind == 1 ? 0.9 * light : 0.8 * light;
    o_color = vec4(color, alpha * (u_kind == 1 ? 0.9 : 0.3));
}
#endif

#version 330 core
// G-buffer at the supersampled size:
//   o_albedo   RGBA8:   linear albedo, alpha = 1 where geometry
//   o_normal   RGBA16F: camera-frame unit normal, roughness
//   o_surface  RGBA16F: velocity (output pixels per frame, centred difference of t-1 -> t+1),
//                       z-depth (metres), metalness
// Wet ground (u_wetness > 0): upward-facing surfaces that are not people get darker and smoother.
// Snow (u_snow > 0): upward-facing surfaces that are not people get whiter and rougher.
// With GBUFFER_GROUND_TRUTH (the G-buffer is at output size, ssaa = 1) the same draw also writes the
// ground-truth targets (ground_truth.glsl) to attachments 3-6, and the separate pass is skipped.
#include "frame_block.glsl"

const uint FIRST_BODY_PART = 36u;  // ids 36-62 are people (phav.labels)

uniform float u_wetness;
uniform float u_snow;
uniform float u_ssaa;  // supersampling factor: gl_FragCoord / u_ssaa is in output pixels

in vec3 v_normal;
in vec3 v_color;
in vec2 v_material;
in vec3 v_clip_next;  // clip positions at t+1 and t-1, xyw
in vec3 v_clip_prev;
flat in uint v_semantic;

layout(location = 0) out vec4 o_albedo;
layout(location = 1) out vec4 o_normal;
layout(location = 2) out vec4 o_surface;
#ifdef GBUFFER_GROUND_TRUTH
flat in uint v_instance;
layout(location = 3) out float o_gt_depth;
layout(location = 4) out uint o_gt_semantic;
layout(location = 5) out uint o_gt_instance;
layout(location = 6) out vec4 o_gt_motion;
#include "ground_truth.glsl"
#endif

void main() {
    vec3 n = normalize(v_normal);
    // Front faces are clockwise in the mirrored projection (the renderer sets front_face = 'cw');
    // surfaces seen from behind are lit from the side the camera sees.
    if (!gl_FrontFacing) n = -n;
    vec3 albedo = v_color;
    float roughness = v_material.x;
    if (u_wetness > 0.0 && v_semantic < FIRST_BODY_PART) {
        float wet = u_wetness * smoothstep(0.6, 0.9, dot(n, u_up.xyz));
        albedo *= 1.0 - 0.45 * wet;
        roughness = mix(roughness, 0.05, wet);
    }
    if (u_snow > 0.0 && v_semantic < FIRST_BODY_PART) {
        float cover = u_snow * smoothstep(0.5, 0.9, dot(n, u_up.xyz));
        albedo = mix(albedo, vec3(0.85), cover);
        roughness = mix(roughness, 0.9, cover);
    }
    // Per-pixel velocity: pixel motion per frame from the clip positions at t-1 and t+1.
    float frames = 0.0;
    vec2 next = vec2(0.0), prev = vec2(0.0);
    if (u_flags.x > 0.5 && v_clip_next.z > 0.0) { next = clip_to_pixel(v_clip_next); frames += 1.0; }
    if (u_flags.y > 0.5 && v_clip_prev.z > 0.0) { prev = clip_to_pixel(v_clip_prev); frames += 1.0; }
    vec2 velocity = vec2(0.0);
    vec2 here = gl_FragCoord.xy / u_ssaa - 0.5;
    if (frames == 2.0) velocity = 0.5 * (next - prev);
    else if (frames == 1.0) velocity = (u_flags.x > 0.5 && v_clip_next.z > 0.0) ? next - here : here - prev;
    o_albedo = vec4(albedo, 1.0);
    o_normal = vec4(n, roughness);
    // z-depth: gl_FragCoord.w is 1 / clip w, and clip w is the z-depth (phav.camera.gl_projection)
    o_surface = vec4(velocity, 1.0 / gl_FragCoord.w, v_material.y);
#ifdef GBUFFER_GROUND_TRUTH
    write_ground_truth(v_clip_next, v_semantic, v_instance);
#endif
}

// SSAO in two steps. LOW_RES (output size): hemisphere samples around the normal (radius u_radius
// m) at each output pixel's centre texel; a sample is occluded when the stored surface at its texel
// lies in front of it (within u_radius); writes (occlusion, 0, 0, z-depth), sky: (0, 0, 0, 1e9).
// Otherwise (supersampled): the HDR colour times 1 - u_ssao_strength * occlusion
// (post_ssao_stage.glsl; the LOW_RES output is read as u_ao). Sky pixels are unchanged.
// Body of post_ssao.frag and post_ssao.comp: pass_main(texel of the target).
#include "frame_block.glsl"
#include "post_common.glsl"
#include "post_ssao_stage.glsl"

uniform float u_radius;
uniform int u_samples;

#ifdef LOW_RES
vec4 pass_main(ivec2 pixel) {
    ivec2 texel = centre_texel(pixel);
    if (texelFetch(u_albedo, texel, 0).a < 0.5) return vec4(0.0, 0.0, 0.0, 1e9);
    vec3 n = normalize(texelFetch(u_normal, texel, 0).xyz);
    float depth = texelFetch(u_surface, texel, 0).z;
    vec3 p = view_position(vec2(texel) + 0.5, depth);
    vec3 t = normalize(abs(n.x) < 0.9 ? cross(n, vec3(1, 0, 0)) : cross(n, vec3(0, 1, 0)));
    vec3 b = cross(n, t);
    float spin = 6.2831853 * hash12(vec2(pixel) + 0.5);
    float occluded = 0.0;
    for (int i = 0; i < u_samples; ++i) {
        float fi = (float(i) + 0.5) / float(u_samples);
        float phi = spin + 2.3999632 * float(i);          // golden-angle spiral
        float r = sqrt(fi);
        vec3 h = vec3(r * cos(phi), r * sin(phi), sqrt(max(1.0 - fi, 0.0)));  // cosine-weighted
        float scale = mix(0.2, 1.0, fi * fi);
        vec3 s = p + u_radius * scale * (t * h.x + b * h.y + n * h.z) + n * 0.02 * u_radius;
        if (s.z <= 0.0) continue;
        vec2 st = project_texel(s);
        if (!on_screen(st)) continue;
        if (texelFetch(u_albedo, ivec2(st), 0).a < 0.5) continue;
        float scene = texelFetch(u_surface, ivec2(st), 0).z;
        float range = smoothstep(0.0, 1.0, u_radius / max(abs(p.z - scene), 1e-4));
        occluded += (scene < s.z - 0.02 * u_radius ? 1.0 : 0.0) * range;
    }
    return vec4(occluded / float(max(u_samples, 1)), 0.0, 0.0, depth);
}
#else
vec4 pass_main(ivec2 texel) {
    return vec4(ssao_stage(texelFetch(u_source, texel, 0).rgb, texel), 1.0);
}
#endif

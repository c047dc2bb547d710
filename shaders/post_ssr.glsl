// SSR in two steps. LOW_RES (output size): for surfaces smoother than u_max_roughness, march the
// reflected view ray from the output pixel's centre texel in the camera frame (u_steps steps up to
// u_distance m, then a binary refinement) and write the colour found there, weighted by Schlick's
// Fresnel, smoothness, u_strength and a fade at the image border, with the z-depth in .a.
// Otherwise (supersampled): add the depth-closest of the 4 nearest output pixels' reflections to
// texels that are themselves smoother than u_max_roughness (rough surfaces and sky never reflect).
// SOURCE_SSAO (phav.render.post, when SSAO comes right before SSR in the chain): SSAO's
// supersampled step runs here as a prologue instead of as a pass of its own: both steps read the
// chain's image through it (source_colour), rounded as SSAO's RGBA16F target would have stored it
// (half_store.glsl), so the image is the unfused chain's.
// Body of post_ssr.frag and post_ssr.comp: pass_main(texel of the target).
#include "frame_block.glsl"
#include "post_common.glsl"
#ifdef SOURCE_SSAO
#include "post_ssao_stage.glsl"
#include "half_store.glsl"
#endif

uniform float u_strength;
uniform float u_max_roughness;
uniform float u_distance;
uniform int u_steps;

// The chain's image at a texel (with SOURCE_SSAO: after SSAO).
vec3 source_colour(ivec2 texel) {
    vec3 c = texelFetch(u_source, texel, 0).rgb;
#ifdef SOURCE_SSAO
    c = stored_as_half(ssao_stage(c, texel));
#endif
    return c;
}

#ifdef LOW_RES
vec4 pass_main(ivec2 pixel) {
    ivec2 texel = centre_texel(pixel);
    vec4 nr = texelFetch(u_normal, texel, 0);
    vec4 surf = texelFetch(u_surface, texel, 0);
    if (texelFetch(u_albedo, texel, 0).a < 0.5) return vec4(0.0, 0.0, 0.0, 1e9);
    if (nr.w >= u_max_roughness) return vec4(0.0, 0.0, 0.0, surf.z);
    vec3 n = normalize(nr.xyz);
    vec3 p = view_position(vec2(texel) + 0.5, surf.z);
    vec3 v = normalize(p);
    vec3 r = reflect(v, n);
    float step_len = u_distance / float(u_steps);
    vec3 q = p + n * 0.01;
    vec3 hit = vec3(-1.0);
    float jitter = hash12(vec2(pixel) + 0.5);
    for (int i = 1; i <= u_steps; ++i) {
        vec3 s = q + r * step_len * (float(i) + jitter - 0.5);
        if (s.z <= 0.05) break;
        vec2 st = project_texel(s);
        if (!on_screen(st)) break;
        float scene = texelFetch(u_surface, ivec2(st), 0).z;
        bool sky = texelFetch(u_albedo, ivec2(st), 0).a < 0.5;
        if (!sky && scene < s.z && s.z - scene < 2.0 * step_len + 0.05 * s.z) {
            vec3 a = s - r * step_len, bb = s;  // refine between the last miss and the hit
            for (int k = 0; k < 5; ++k) {
                vec3 m = 0.5 * (a + bb);
                float sm = texelFetch(u_surface, ivec2(project_texel(m)), 0).z;
                if (sm < m.z) bb = m; else a = m;
            }
            hit = vec3(project_texel(bb), 1.0);
            break;
        }
    }
    if (hit.z < 0.0) return vec4(0.0, 0.0, 0.0, surf.z);
    vec2 edge = min(hit.xy, u_viewport.xy * u_ssaa - hit.xy) / (0.1 * u_viewport.xy * u_ssaa);
    float fade = clamp(min(edge.x, edge.y), 0.0, 1.0);
    float smooth_ = 1.0 - nr.w / u_max_roughness;
    vec3 albedo = texelFetch(u_albedo, texel, 0).rgb;
    vec3 f0 = mix(vec3(0.04), albedo, surf.w);
    vec3 fresnel = f0 + (1.0 - f0) * pow(1.0 - max(dot(-v, n), 0.0), 5.0);
    vec3 reflected = source_colour(ivec2(hit.xy));
    return vec4(u_strength * smooth_ * fade * fresnel * reflected, surf.z);
}
#else
vec4 pass_main(ivec2 texel) {
    vec3 c = source_colour(texel);
    if (texelFetch(u_albedo, texel, 0).a < 0.5 || texelFetch(u_normal, texel, 0).w >= u_max_roughness) {
        return vec4(c, 1.0);
    }
    return vec4(c + upsample_by_depth(u_low, texel, texelFetch(u_surface, texel, 0).z).rgb, 1.0);
}
#endif

// SSAO's supersampled step as a function of one texel's colour: the colour times
// 1 - u_ssao_strength * occlusion, the occlusion taken from the depth-closest of the 4 nearest
// output pixels of u_ao (the LOW_RES step's output: occlusion in .r, z-depth in .a); sky texels
// keep their colour. post_ssao.glsl applies it as a pass; post_ssr.glsl can run it as its
// prologue (SOURCE_SSAO), on the texels it reads (phav.render.post). Needs post_common.glsl.
uniform sampler2D u_ao;
uniform float u_ssao_strength;

vec3 ssao_stage(vec3 c, ivec2 texel) {
    if (texelFetch(u_albedo, texel, 0).a < 0.5) return c;
    float ao = upsample_by_depth(u_ao, texel, texelFetch(u_surface, texel, 0).z).r;
    return c * (1.0 - u_ssao_strength * ao);
}

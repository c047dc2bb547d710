// The vignette as a function of one texel's colour and position: darken towards the corners.
// u_vignette_strength = fraction of light lost at the corners. post_vignette.glsl applies it as a
// pass; it can also run as another pass's epilogue (post_epilogue.glsl).
uniform float u_vignette_strength;

// c: the texel's colour; texel: its position in an image of size texels.
vec3 vignette_stage(vec3 c, ivec2 texel, ivec2 size) {
    vec2 uv = (vec2(texel) + 0.5) / vec2(size);  // texel centre in [0, 1]
    vec2 d = (uv - 0.5) * 2.0;                    // [-1, 1] across the image
    float r2 = clamp(dot(d, d) * 0.5, 0.0, 1.0);  // 0 at the centre, 1 at the corners
    return c * (1.0 - u_vignette_strength * r2 * r2);
}

// Post pass: darken towards the corners. u_strength = fraction of light lost at the corners.
// Body of post_vignette.frag and post_vignette.comp: pass_main(texel of the target).
uniform sampler2D u_source;
uniform float u_strength;

vec4 pass_main(ivec2 texel) {
    vec3 c = texelFetch(u_source, texel, 0).rgb;
    vec2 uv = (vec2(texel) + 0.5) / vec2(textureSize(u_source, 0));  // texel centre in [0, 1]
    vec2 d = (uv - 0.5) * 2.0;                    // [-1, 1] across the image
    float r2 = clamp(dot(d, d) * 0.5, 0.0, 1.0);  // 0 at the centre, 1 at the corners
    return vec4(c * (1.0 - u_strength * r2 * r2), 1.0);
}

#version 330 core
// Post pass: darken towards the corners. u_strength = fraction of light lost at the corners.
uniform sampler2D u_source;
uniform float u_strength;

in vec2 v_uv;
out vec4 o_color;

void main() {
    vec3 c = texelFetch(u_source, ivec2(gl_FragCoord.xy), 0).rgb;
    vec2 d = (v_uv - 0.5) * 2.0;                  // [-1, 1] across the image
    float r2 = clamp(dot(d, d) * 0.5, 0.0, 1.0);  // 0 at the centre, 1 at the corners
    o_color = vec4(c * (1.0 - u_strength * r2 * r2), 1.0);
}

#version 330 core
// How this GL rounds a float that a fragment shader writes into an RGBA16F framebuffer
// (phav.render.half_store): drawn over a 4x1 target, texel i gets test value i.
uniform vec4 u_values[4];
out vec4 o_color;

void main() {
    o_color = u_values[int(gl_FragCoord.x)];
}

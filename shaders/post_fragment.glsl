// Fragment entry point of a full-screen pass (GL 3.3): the pass's body defines
// vec4 pass_main(ivec2 texel), the value of the target's texel (gl_FragCoord.xy = texel + 0.5);
// drawn with fullscreen.vert over the target's viewport. post_compute.glsl is the compute twin.
out vec4 o_color;

void main() {
    o_color = pass_main(ivec2(gl_FragCoord.xy));
}

// Fragment entry point of a full-screen pass (GL 3.3): the pass's body defines
// vec4 pass_main(ivec2 texel), the value of the target's texel (gl_FragCoord.xy = texel + 0.5);
// drawn with fullscreen.vert over the target's viewport. post_compute.glsl is the compute twin.
// With EPILOGUE_1 (.. _3) defined, the per-texel passes that follow run here (post_epilogue.glsl).
// Their image size is the pass's source's, u_source (every pass that can take an epilogue reads
// the chain's image there, of its target's size), as the stage's own pass would see it.
#ifdef EPILOGUE_1
#include "post_epilogue.glsl"
#endif
out vec4 o_color;

void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    vec4 value = pass_main(texel);
#ifdef EPILOGUE_1
    value = epilogue(value, texel, textureSize(u_source, 0));
#endif
    o_color = value;
}

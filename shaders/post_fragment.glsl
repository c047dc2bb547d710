// Fragment entry point of a full-screen pass (GL 3.3): the pass's body defines
// vec4 pass_main(ivec2 texel), the value of the target's texel (gl_FragCoord.xy = texel + 0.5);
// drawn with fullscreen.vert over the target's viewport. post_compute.glsl is the compute twin.
//
// Epilogue (phav.render.post.PostChain fuses the per-texel passes that follow a pass into it), as
// in post_compute.glsl: EPILOGUE_1, EPILOGUE_2, EPILOGUE_3 name stage functions applied in that
// order, each to the value rounded to half floats as the RGBA16F framebuffer between two passes
// would store it (half_store.glsl). Their image size is the pass's source's, u_source (every pass
// that can take an epilogue reads the chain's image there, of its target's size), as the stage's
// own pass would see it.
#ifdef EPILOGUE_1
#include "post_tonemap_stage.glsl"
#include "post_grade_stage.glsl"
#include "post_vignette_stage.glsl"
#include "half_store.glsl"
#endif
out vec4 o_color;

void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    vec4 value = pass_main(texel);
#ifdef EPILOGUE_1
    ivec2 size = textureSize(u_source, 0);
    value = vec4(EPILOGUE_1(stored_as_half(value.rgb), texel, size), 1.0);
#endif
#ifdef EPILOGUE_2
    value = vec4(EPILOGUE_2(stored_as_half(value.rgb), texel, size), 1.0);
#endif
#ifdef EPILOGUE_3
    value = vec4(EPILOGUE_3(stored_as_half(value.rgb), texel, size), 1.0);
#endif
    o_color = value;
}

// Compute entry point of a full-screen pass (GL 4.3): one invocation per texel of the target image
// (bound to image unit 0, format TARGET_FORMAT, default rgba16f), 8x8 texels per work group; the
// pass's body defines vec4 pass_main(ivec2 texel). post_fragment.glsl is the fragment twin.
//
// Epilogue (phav.render.post.PostChain fuses the per-texel passes that follow a pass into it):
// EPILOGUE_1, EPILOGUE_2, EPILOGUE_3 name stage functions vec3 f(vec3 colour, ivec2 texel,
// ivec2 size) applied in that order to the pass's value, each to the value rounded to half floats
// as an RGBA16F image between two passes would store it (half_store.glsl), so the result is the
// chain's unfused one.
#ifndef TARGET_FORMAT
#define TARGET_FORMAT rgba16f
#endif
#ifdef EPILOGUE_1
#include "post_tonemap_stage.glsl"
#include "post_grade_stage.glsl"
#include "post_vignette_stage.glsl"
#include "half_store.glsl"
#endif
layout(local_size_x = 8, local_size_y = 8) in;
layout(TARGET_FORMAT, binding = 0) writeonly uniform image2D u_target;

void main() {
    ivec2 texel = ivec2(gl_GlobalInvocationID.xy);
    ivec2 size = imageSize(u_target);
    if (any(greaterThanEqual(texel, size))) return;
    vec4 value = pass_main(texel);
#ifdef EPILOGUE_1
    value = vec4(EPILOGUE_1(stored_as_half(value.rgb), texel, size), 1.0);
#endif
#ifdef EPILOGUE_2
    value = vec4(EPILOGUE_2(stored_as_half(value.rgb), texel, size), 1.0);
#endif
#ifdef EPILOGUE_3
    value = vec4(EPILOGUE_3(stored_as_half(value.rgb), texel, size), 1.0);
#endif
    imageStore(u_target, texel, value);
}

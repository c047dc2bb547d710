// Compute entry point of a full-screen pass (GL 4.3): one invocation per texel of the target image
// (bound to image unit 0, format TARGET_FORMAT, default rgba16f), 8x8 texels per work group; the
// pass's body defines vec4 pass_main(ivec2 texel). post_fragment.glsl is the fragment twin.
// With EPILOGUE_1 (.. _3) defined, the per-texel passes that follow run here (post_epilogue.glsl).
#ifndef TARGET_FORMAT
#define TARGET_FORMAT rgba16f
#endif
#ifdef EPILOGUE_1
#include "post_epilogue.glsl"
#endif
layout(local_size_x = 8, local_size_y = 8) in;
layout(TARGET_FORMAT, binding = 0) writeonly uniform image2D u_target;

void main() {
    ivec2 texel = ivec2(gl_GlobalInvocationID.xy);
    ivec2 size = imageSize(u_target);
    if (any(greaterThanEqual(texel, size))) return;
    vec4 value = pass_main(texel);
#ifdef EPILOGUE_1
    value = epilogue(value, texel, size);
#endif
    imageStore(u_target, texel, value);
}

#version 430
// The SSAA resolve (body: resolve.glsl) and the RGB packing (pack_rgb.glsl) in one dispatch, one
// invocation per output pixel: the resolved colour goes to the RGBA8 image (unit 0), whose store
// converts it to bytes as the resolve alone would; the invocation loads its own texel back (a load
// after a store by one invocation sees that store) and writes the three bytes to texels
// (3x + c, y) of the R8UI image (unit 1), as the packing pass would. Same bytes as resolve.comp
// then pack_rgb.comp, one dispatch and one barrier fewer. With PAIR defined, a second source
// (u_source2) is resolved and packed the same way into images 2 and 3 in the same invocation: the
// raw and the post-processed image of a frame in one dispatch.
#include "resolve.glsl"
layout(local_size_x = 8, local_size_y = 8) in;
layout(rgba8, binding = 0) uniform image2D u_target;
layout(r8ui, binding = 1) writeonly uniform uimage2D u_packed;
#ifdef PAIR
uniform sampler2D u_source2;
layout(rgba8, binding = 2) uniform image2D u_target2;
layout(r8ui, binding = 3) writeonly uniform uimage2D u_packed2;
#endif

void main() {
    ivec2 pixel = ivec2(gl_GlobalInvocationID.xy);
    if (any(greaterThanEqual(pixel, imageSize(u_target)))) return;
    imageStore(u_target, pixel, resolve_texel(u_source, pixel));
    vec3 stored = imageLoad(u_target, pixel).rgb;  // u / 255 for the stored byte u
    for (int c = 0; c < 3; ++c) {
        imageStore(u_packed, ivec2(3 * pixel.x + c, pixel.y), uvec4(uint(stored[c] * 255.0 + 0.5)));
    }
#ifdef PAIR
    imageStore(u_target2, pixel, resolve_texel(u_source2, pixel));
    vec3 stored2 = imageLoad(u_target2, pixel).rgb;
    for (int c = 0; c < 3; ++c) {
        imageStore(u_packed2, ivec2(3 * pixel.x + c, pixel.y), uvec4(uint(stored2[c] * 255.0 + 0.5)));
    }
#endif
}

#version 430
// Compute entry of the RGB packing pass (body: pack_rgb.glsl): one invocation per byte of the
// R8UI target (image unit 0), 8x8 per work group.
#include "pack_rgb.glsl"
layout(local_size_x = 8, local_size_y = 8) in;
layout(r8ui, binding = 0) writeonly uniform uimage2D u_target;

void main() {
    ivec2 texel = ivec2(gl_GlobalInvocationID.xy);
    if (any(greaterThanEqual(texel, imageSize(u_target)))) return;
    imageStore(u_target, texel, uvec4(pack_byte(texel)));
}

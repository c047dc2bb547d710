#version 430
// Compute entry of the flow validity pass (body: flow_valid.glsl): one invocation per pixel, 8x8
// per work group, into the R8UI validity (image unit 0) and the RG32UI flow bits (image unit 1).
#include "flow_valid.glsl"
layout(local_size_x = 8, local_size_y = 8) in;
layout(r8ui, binding = 0) writeonly uniform uimage2D u_valid;
layout(rg32ui, binding = 1) writeonly uniform uimage2D u_flow;

void main() {
    ivec2 texel = ivec2(gl_GlobalInvocationID.xy);
    if (any(greaterThanEqual(texel, imageSize(u_valid)))) return;
    imageStore(u_valid, texel, uvec4(flow_valid(texel)));
    imageStore(u_flow, texel, uvec4(flow_bits(texel), 0u, 0u));
}

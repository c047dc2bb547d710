#version 330 core
// Fragment entry of the flow validity pass (body: flow_valid.glsl), drawn with fullscreen.vert into
// a framebuffer of the R8UI validity (attachment 0) and the RG32UI flow bits (attachment 1).
#extension GL_ARB_gpu_shader5 : enable
#include "flow_valid.glsl"
layout(location = 0) out uint o_valid;
layout(location = 1) out uvec2 o_flow;

void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    o_valid = flow_valid(texel);
    o_flow = flow_bits(texel);
}

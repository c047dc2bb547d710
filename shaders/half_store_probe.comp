#version 430
// How this GL rounds a float it stores into an RGBA16F image, and how packHalf2x16 rounds
// (phav.render.half_store): one invocation per test value, the value stored both ways.
layout(local_size_x = 4) in;
layout(std430, binding = 0) readonly buffer Values { vec4 u_values[]; };
layout(std430, binding = 1) writeonly buffer Packed { uvec2 u_packed[]; };
layout(rgba16f, binding = 0) writeonly uniform image2D u_stored;

void main() {
    uint i = gl_GlobalInvocationID.x;
    vec4 v = u_values[i];
    imageStore(u_stored, ivec2(int(i), 0), v);
    u_packed[i] = uvec2(packHalf2x16(v.xy), packHalf2x16(v.zw));
}

#version 330 core
// Fragment entry of the RGB packing pass (body: pack_rgb.glsl), drawn with fullscreen.vert into
// the R8UI target's framebuffer.
#include "pack_rgb.glsl"
layout(location = 0) out uint o_byte;

void main() {
    o_byte = pack_byte(ivec2(gl_FragCoord.xy));
}

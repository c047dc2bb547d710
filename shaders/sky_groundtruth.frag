#version 330 core
// Ground truth where no geometry is drawn: sky, depth +inf, no instance, flow of directions at infinity.
#include "common.glsl"
#include "frame_block.glsl"

#ifndef SKY_CLASS
#error "SKY_CLASS must be defined (the Sky semantic id)"
#endif

layout(location = 0) out float o_depth;
layout(location = 1) out uint o_semantic;
layout(location = 2) out uint o_instance;
layout(location = 3) out vec4 o_motion;

void main() {
    vec2 pixel = gl_FragCoord.xy - 0.5;
    o_depth = phav_inf();
    o_semantic = uint(SKY_CLASS);
    o_instance = 0u;
    vec3 q = mat3(u_sky_homography) * vec3(pixel, 1.0);  // q.z > 0: the direction is in front at t+1
    if (u_flags.x < 0.5 || q.z <= 0.0) {
        o_motion = vec4(0.0, 0.0, phav_inf(), 0.0);
    } else {
        vec2 next_pixel = q.xy / q.z;
        o_motion = vec4(next_pixel - pixel, phav_inf(), inside_image(next_pixel) ? 1.0 : 0.0);
    }
}

#version 330 core
// G-buffer at the supersampled size: linear albedo (alpha = 1 where geometry) and camera-frame normal.
in vec3 v_normal;
in vec3 v_color;

layout(location = 0) out vec4 o_albedo;
layout(location = 1) out vec4 o_normal;

void main() {
    vec3 n = normalize(v_normal);
    // Front faces are clockwise in the mirrored projection (the renderer sets front_face = 'cw');
    // surfaces seen from behind are lit from the side the camera sees.
    if (!gl_FrontFacing) n = -n;
    o_albedo = vec4(v_color, 1.0);
    o_normal = vec4(n, 1.0);
}

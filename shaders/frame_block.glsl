// Per-frame data shared by every pass (std140; packed by phav.render.uniforms.frame_block).
// "Camera frame" is the OpenCV camera at frame t (x right, y down, z forward), metres.
layout(std140) uniform FrameData {
    mat4 u_proj;            // camera frame at t -> clip (phav.camera.gl_projection)
    mat4 u_proj_next;       // camera frame at t+1 -> clip
    mat4 u_sky_homography;  // upper-left 3x3: output pixel (u, v, 1) at t -> t+1 for directions at infinity
    mat4 u_proj_prev;       // camera frame at t-1 -> clip
    vec4 u_intrinsics;      // fx, fy, cx, cy of frame t, output pixels
    vec4 u_viewport;        // output width, height, 1/width, 1/height
    vec4 u_sun_dir;         // xyz: unit vector towards the sun, camera frame
    vec4 u_sun_color;       // rgb: linear sun irradiance
    vec4 u_sky_zenith;      // rgb: linear sky radiance at the zenith
    vec4 u_sky_horizon;     // rgb: linear sky radiance at the horizon
    vec4 u_ambient;         // rgb: linear ambient light
    vec4 u_up;              // xyz: world +Z in the camera frame
    vec4 u_flags;           // x: 1 when frame t+1 exists, else 0; y: 1 when frame t-1 exists
};

// Unit view ray (camera frame) through continuous output-pixel coordinates (u, v).
vec3 view_ray(vec2 pixel) {
    return normalize(vec3((pixel - u_intrinsics.zw) / u_intrinsics.xy, 1.0));
}

// Whether continuous output-pixel coordinates fall inside the image ([-0.5, size - 0.5) per axis).
bool inside_image(vec2 pixel) {
    return all(greaterThanEqual(pixel, vec2(-0.5))) && all(lessThan(pixel, u_viewport.xy - 0.5));
}

// Clip positions passed between shader stages drop z, which only the depth test reads: `xyw` is a
// clip position's (x, y, w), one interpolated float less a vertex than the vec4.

// Forward motion record of a point whose clip position at t+1 is `clip_next` (xyw), seen at output
// pixel `pixel` at t: (flow u, flow v, z-depth at t+1, 1 if in front of the camera and inside the
// image at t+1 else 0). Occlusion at t+1 is checked later against frame t+1's depth map.
vec4 forward_motion(vec3 clip_next, vec2 pixel) {
    if (u_flags.x < 0.5 || clip_next.z <= 0.0) {
        return vec4(0.0, 0.0, clip_next.z, 0.0);
    }
    vec2 next_pixel = (clip_next.xy / clip_next.z * 0.5 + 0.5) * u_viewport.xy - 0.5;
    return vec4(next_pixel - pixel, clip_next.z, inside_image(next_pixel) ? 1.0 : 0.0);
}

// Output-pixel position of a clip-space point given as xyw (w > 0).
vec2 clip_to_pixel(vec3 clip) {
    return (clip.xy / clip.z * 0.5 + 0.5) * u_viewport.xy - 0.5;
}

// Output-pixel position of a clip-space point (w > 0).
vec2 clip_to_pixel(vec4 clip) {
    return clip_to_pixel(clip.xyw);
}

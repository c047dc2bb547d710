#version 430
// The G-buffer's colour targets set to zero, as glClear(GL_COLOR_BUFFER_BIT) would, by a compute
// pass: on GPUs with few raster units (H100, H200) a clear of the 680x512 G-buffer's three colour
// targets took about 120 us of GPU time, a compute shader writing them about a tenth of that.
layout(local_size_x = 8, local_size_y = 8) in;
layout(rgba8, binding = 0) writeonly uniform image2D u_albedo;
layout(rgba16f, binding = 1) writeonly uniform image2D u_normal;
layout(rgba16f, binding = 2) writeonly uniform image2D u_surface;

void main() {
    ivec2 texel = ivec2(gl_GlobalInvocationID.xy);
    if (any(greaterThanEqual(texel, imageSize(u_albedo)))) return;
    imageStore(u_albedo, texel, vec4(0.0));
    imageStore(u_normal, texel, vec4(0.0));
    imageStore(u_surface, texel, vec4(0.0));
}

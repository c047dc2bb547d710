// The bytes of an RGB8 image from an RGBA8 texture: texel (3x + c, y) of the R8UI target is channel
// c of pixel (x, y), so reading the target back with its own format gives (H, W, 3) uint8 rows with
// no format conversion in the driver. texelFetch of a UNORM8 texel gives u / 255 and
// u / 255 * 255 lies within 1e-4 of u, so the byte is exact.
// Body of pack_rgb.frag and pack_rgb.comp: pack_byte(target texel).

uniform sampler2D u_source;

uint pack_byte(ivec2 texel) {
    int channel = texel.x % 3;
    vec4 rgba = texelFetch(u_source, ivec2(texel.x / 3, texel.y), 0);
    float value = channel == 0 ? rgba.r : (channel == 1 ? rgba.g : rgba.b);
    return uint(value * 255.0 + 0.5);
}

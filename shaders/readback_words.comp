#version 430
// A render target's texels as the bytes of its numpy array, written by a compute shader straight
// into a read-back buffer (phav.render.readback_compute.ComputeReadback): one invocation per 32-bit
// word of the (H, W[, C]) array, rows first and tightly packed, little-endian like the CPU reading
// it; grid-stride, so any size fits one dispatch. The texture is on unit 0; FORMAT_<name> says what
// it holds and what the array wants:
//   FORMAT_R32F    R32F   -> float32 (H, W): one word per pixel, the float's bits
//   FORMAT_RG32UI  RG32UI -> uint32 (H, W, 2): two words per pixel
//   FORMAT_R16UI   R16UI  -> uint16 (H, W): two pixels per word
//   FORMAT_R8UI    R8UI   -> uint8 (H, W): four pixels per word
//   FORMAT_RGB8    RGBA8  -> uint8 (H, W, 3): the red, green and blue bytes, 4/3 pixel per word
layout(local_size_x = 64) in;
layout(std430, binding = 0) writeonly buffer Words { uint u_words[]; };
uniform int u_width;   // pixels per row
uniform int u_pixels;  // W * H
uniform int u_count;   // words to write: ceil(array bytes / 4)

ivec2 texel_of(int pixel) { return ivec2(pixel % u_width, pixel / u_width); }

#if defined(FORMAT_R32F)
uniform sampler2D u_source;
uint word_at(int w) { return floatBitsToUint(texelFetch(u_source, texel_of(w), 0).r); }
#elif defined(FORMAT_RG32UI)
uniform usampler2D u_source;
uint word_at(int w) {
    uvec4 t = texelFetch(u_source, texel_of(w >> 1), 0);
    return (w & 1) == 0 ? t.r : t.g;
}
#elif defined(FORMAT_R16UI) || defined(FORMAT_R8UI)
uniform usampler2D u_source;
#ifdef FORMAT_R16UI
const int PER_WORD = 2, BITS = 16;
const uint MASK = 0xFFFFu;
#else
const int PER_WORD = 4, BITS = 8;
const uint MASK = 0xFFu;
#endif
uint word_at(int w) {
    uint word = 0u;
    for (int k = 0; k < PER_WORD; ++k) {
        int pixel = w * PER_WORD + k;
        if (pixel < u_pixels) word |= (texelFetch(u_source, texel_of(pixel), 0).r & MASK) << (BITS * k);
    }
    return word;
}
#elif defined(FORMAT_RGB8)
uniform sampler2D u_source;
// texelFetch of a UNORM8 texel gives u / 255, and u / 255 * 255 lies within 1e-4 of u: exact bytes.
uint word_at(int w) {
    uint word = 0u;
    int first = w * 4;
    vec4 rgba = texelFetch(u_source, texel_of(first / 3), 0);
    int pixel = first / 3;
    for (int k = 0; k < 4; ++k) {
        int byte = first + k;
        if (byte >= 3 * u_pixels) break;
        if (byte / 3 != pixel) { pixel = byte / 3; rgba = texelFetch(u_source, texel_of(pixel), 0); }
        int channel = byte % 3;
        float value = channel == 0 ? rgba.r : (channel == 1 ? rgba.g : rgba.b);
        word |= uint(value * 255.0 + 0.5) << (8 * k);
    }
    return word;
}
#else
#error "define the source format: FORMAT_R32F, FORMAT_RG32UI, FORMAT_R16UI, FORMAT_R8UI or FORMAT_RGB8"
#endif

void main() {
    int stride = int(gl_NumWorkGroups.x * gl_WorkGroupSize.x);
    for (int w = int(gl_GlobalInvocationID.x); w < u_count; w += stride) u_words[w] = word_at(w);
}

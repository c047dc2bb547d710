// stored_as_half(c): what an RGBA16F target stores for c, read back as floats, so that a kernel can
// run the per-texel passes that follow it as its epilogue (or SSAO's supersampled step as SSR's
// prologue) and still give the unfused chain's bytes (phav.render.post). GL leaves the rounding of
// a float-to-half store to the implementation; phav.render.half_store asks it once per path (image
// stores for compute, framebuffer writes for fragment shaders):
//   HALF_STORE_TOWARD_ZERO defined: the store rounds toward zero (Mesa's llvmpipe, both paths): c
//     is cut to the half below it in magnitude (subnormal halves are multiples of 2^-24; nothing
//     overflows: the largest half is 65504);
//   otherwise it rounds to nearest even: packHalf2x16 where GLSL has it (4.20), which the probe
//     checked rounds that way too; before 4.20 the same rounding in float arithmetic.
vec3 stored_as_half(vec3 c) {
#ifdef HALF_STORE_TOWARD_ZERO
    vec3 normal = uintBitsToFloat(floatBitsToUint(c) & 0xFFFFE000u);  // 10 mantissa bits kept
    vec3 subnormal = sign(c) * floor(abs(c) * 16777216.0) / 16777216.0;  // multiples of 2^-24
    c = mix(normal, subnormal, lessThan(abs(c), vec3(6.103515625e-05)));
    c = clamp(c, -65504.0, 65504.0);
#endif
#if __VERSION__ >= 420
    return vec3(unpackHalf2x16(packHalf2x16(c.rg)), unpackHalf2x16(packHalf2x16(vec2(c.b, 0.0))).x);
#elif defined(HALF_STORE_TOWARD_ZERO)
    return c;  // already a half
#else
    // Normal halves: add just under half of the dropped 13 bits' unit, plus the kept last bit (ties
    // to even), then drop them; a carry moves into the exponent as it should.
    uvec3 bits = floatBitsToUint(c);
    bits = (bits + 0x0FFFu + ((bits >> 13) & 1u)) & 0xFFFFE000u;
    vec3 normal = uintBitsToFloat(bits);
    normal = mix(normal, sign(c) * uintBitsToFloat(0x7F800000u), greaterThan(abs(normal), vec3(65504.0)));  // overflow: infinity
    vec3 subnormal = roundEven(c * 16777216.0) / 16777216.0;  // multiples of 2^-24, exact in a float
    return mix(normal, subnormal, lessThan(abs(c), vec3(6.103515625e-05)));
#endif
}

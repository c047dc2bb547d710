// Shared constants and colour helpers (include "common.glsl"); no version line here.

// +inf as a float (GLSL has no literal for it; 1.0/0.0 is undefined in constant expressions).
float phav_inf() { return uintBitsToFloat(0x7f800000u); }

// Linear RGB -> sRGB transfer (IEC 61966-2-1), per channel, input clamped to [0, 1].
vec3 linear_to_srgb(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    vec3 lo = c * 12.92;
    vec3 hi = 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055;
    return mix(hi, lo, vec3(lessThanEqual(c, vec3(0.0031308))));
}

// Rec. 709 luminance of a linear colour.
float luminance(vec3 c) { return dot(c, vec3(0.2126, 0.7152, 0.0722)); }

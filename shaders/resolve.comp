#version 430
// Compute entry of the SSAA resolve (body: resolve.glsl), into an RGBA8 image.
#define TARGET_FORMAT rgba8
#include "resolve.glsl"
#include "post_compute.glsl"

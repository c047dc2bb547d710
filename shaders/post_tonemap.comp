#version 430
// Compute entry of the tonemap pass (body: post_tonemap.glsl).
#include "post_tonemap.glsl"
#include "post_compute.glsl"

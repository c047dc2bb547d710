#version 430
// Compute entry of the ssr pass (body: post_ssr.glsl).
#include "post_ssr.glsl"
#include "post_compute.glsl"

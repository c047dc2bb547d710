#version 430
// Compute entry of the ssao pass (body: post_ssao.glsl).
#include "post_ssao.glsl"
#include "post_compute.glsl"

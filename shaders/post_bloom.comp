#version 430
// Compute entry of the bloom pass (body: post_bloom.glsl).
#include "post_bloom.glsl"
#include "post_compute.glsl"

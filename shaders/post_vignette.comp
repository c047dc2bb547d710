#version 430
// Compute entry of the vignette pass (body: post_vignette.glsl).
#include "post_vignette.glsl"
#include "post_compute.glsl"

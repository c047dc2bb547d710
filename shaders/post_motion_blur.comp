#version 430
// Compute entry of the motion_blur pass (body: post_motion_blur.glsl).
#include "post_motion_blur.glsl"
#include "post_compute.glsl"

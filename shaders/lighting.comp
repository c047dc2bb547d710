#version 430
// Compute entry of the deferred lighting pass (body: lighting.glsl).
#include "lighting.glsl"
#include "post_compute.glsl"

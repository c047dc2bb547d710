#version 430
// Compute entry of the grade pass (body: post_grade.glsl).
#include "post_grade.glsl"
#include "post_compute.glsl"

#version 330 core
// Fragment entry of the motion_blur pass (body: post_motion_blur.glsl).
#include "post_motion_blur.glsl"
#include "post_fragment.glsl"

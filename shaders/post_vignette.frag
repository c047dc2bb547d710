#version 330 core
// Fragment entry of the vignette pass (body: post_vignette.glsl).
#include "post_vignette.glsl"
#include "post_fragment.glsl"

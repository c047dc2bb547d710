#version 330 core
// Fragment entry of the ssao pass (body: post_ssao.glsl).
#include "post_ssao.glsl"
#include "post_fragment.glsl"

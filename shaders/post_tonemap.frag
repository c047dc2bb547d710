#version 330 core
// Fragment entry of the tonemap pass (body: post_tonemap.glsl).
#include "post_tonemap.glsl"
#include "post_fragment.glsl"

#version 330 core
// Fragment entry of the ssr pass (body: post_ssr.glsl).
#include "post_ssr.glsl"
#include "post_fragment.glsl"

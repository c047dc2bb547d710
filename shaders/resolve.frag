#version 330 core
// Fragment entry of the SSAA resolve (body: resolve.glsl).
#include "resolve.glsl"
#include "post_fragment.glsl"

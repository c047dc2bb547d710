#version 330 core
// Fragment entry of the bloom pass (body: post_bloom.glsl).
#include "post_bloom.glsl"
#include "post_fragment.glsl"

#version 330 core
// Fragment entry of the deferred lighting pass (body: lighting.glsl).
#include "lighting.glsl"
#include "post_fragment.glsl"

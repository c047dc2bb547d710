#version 330 core
// Fragment entry of the grade pass (body: post_grade.glsl).
#include "post_grade.glsl"
#include "post_fragment.glsl"

// Post pass: colour grading on the tone-mapped image (post_grade_stage.glsl).
// Body of post_grade.frag and post_grade.comp: pass_main(texel of the target).
#include "post_grade_stage.glsl"

uniform sampler2D u_source;

vec4 pass_main(ivec2 texel) {
    return vec4(grade_stage(texelFetch(u_source, texel, 0).rgb, texel, textureSize(u_source, 0)), 1.0);
}

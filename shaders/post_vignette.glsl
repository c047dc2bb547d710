// Post pass: darken towards the corners (post_vignette_stage.glsl).
// Body of post_vignette.frag and post_vignette.comp: pass_main(texel of the target).
#include "post_vignette_stage.glsl"

uniform sampler2D u_source;

vec4 pass_main(ivec2 texel) {
    return vec4(vignette_stage(texelFetch(u_source, texel, 0).rgb, texel, textureSize(u_source, 0)), 1.0);
}

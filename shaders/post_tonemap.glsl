// Post pass: exposure, a filmic tone curve and a light colour grade (post_tonemap_stage.glsl).
// Body of post_tonemap.frag and post_tonemap.comp: pass_main(texel of the target).
#include "post_tonemap_stage.glsl"

uniform sampler2D u_source;

vec4 pass_main(ivec2 texel) {
    return vec4(tonemap_stage(texelFetch(u_source, texel, 0).rgb, texel, textureSize(u_source, 0)), 1.0);
}

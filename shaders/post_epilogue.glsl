// The epilogue of a full-screen pass (phav.render.post fuses the per-texel passes that follow a pass
// into it), for both entry points (post_compute.glsl, post_fragment.glsl): EPILOGUE_1, EPILOGUE_2,
// EPILOGUE_3 name stage functions vec3 f(vec3 colour, ivec2 texel, ivec2 size) applied in that
// order to the pass's value, each to the value rounded to half floats as the RGBA16F target between
// two passes would store it (half_store.glsl), so the result is the chain's unfused one.
#include "post_tonemap_stage.glsl"
#include "post_grade_stage.glsl"
#include "post_vignette_stage.glsl"
#include "half_store.glsl"

// The pass's value after its epilogue; texel and size as the stage passes would see them.
vec4 epilogue(vec4 value, ivec2 texel, ivec2 size) {
#ifdef EPILOGUE_1
    value = vec4(EPILOGUE_1(stored_as_half(value.rgb), texel, size), 1.0);
#endif
#ifdef EPILOGUE_2
    value = vec4(EPILOGUE_2(stored_as_half(value.rgb), texel, size), 1.0);
#endif
#ifdef EPILOGUE_3
    value = vec4(EPILOGUE_3(stored_as_half(value.rgb), texel, size), 1.0);
#endif
    return value;
}

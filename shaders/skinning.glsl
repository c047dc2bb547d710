// Linear blend skinning of one vertex (include "skinning.glsl"; no version line here), shared by
// the transform-feedback program (skin_transform.vert) and the compute program
// (skin_transform.comp) so both evaluate the same float expressions in the same order and write
// bit-identical skinned vertices (phav.render.skinning.SkinBuffers).
//
// The skin's bone table (phav.render.uniforms.bone_tables) is bound to u_bones: texel columns
// 0-3 = the skinning matrix at t, 4-7 = t+1, 8-11 = t-1 (model-view of the bone's part times its
// inverse bind matrix, column-major); one row per bone, the palettes of a window of frames one
// after the other (phav.render.frame_window), frame t's from row u_bone_row. A vertex blends up to
// 4 bones with the same weights for all three frames, so motion is exact for deforming bodies.
uniform sampler2D u_bones;
uniform int u_bone_row;

// The camera-frame vertex of one frame: positions in metres at t, t+1 and t-1, and the normal at t
// (the blended rotation applied to the bind-pose normal; renormalised when shaded).
struct SkinnedVertex {
    vec3 view;
    vec3 view_next;
    vec3 view_prev;
    vec3 normal;
};

mat4 skin_bone_matrix(int first_column, uint bone) {
    int row = u_bone_row + int(bone);
    return mat4(texelFetch(u_bones, ivec2(first_column + 0, row), 0),
                texelFetch(u_bones, ivec2(first_column + 1, row), 0),
                texelFetch(u_bones, ivec2(first_column + 2, row), 0),
                texelFetch(u_bones, ivec2(first_column + 3, row), 0));
}

mat4 skin_model_view(int first_column, uvec4 bones, vec4 weights) {
    return weights.x * skin_bone_matrix(first_column, bones.x) + weights.y * skin_bone_matrix(first_column, bones.y)
         + weights.z * skin_bone_matrix(first_column, bones.z) + weights.w * skin_bone_matrix(first_column, bones.w);
}

// position, normal: bind pose, world frame; bones: indices into the bone table's rows; weights: sum 1.
SkinnedVertex skin_vertex(vec3 position, vec3 normal, uvec4 bones, vec4 weights) {
    vec4 local = vec4(position, 1.0);
    mat4 mv = skin_model_view(0, bones, weights);
    SkinnedVertex v;
    v.view = (mv * local).xyz;
    v.view_next = (skin_model_view(4, bones, weights) * local).xyz;
    v.view_prev = (skin_model_view(8, bones, weights) * local).xyz;
    v.normal = mat3(mv) * normal;
    return v;
}

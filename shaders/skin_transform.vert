#version 330 core
// Linear blend skinning, once per frame per skin, captured by transform feedback
// (phav.render.skinning.SkinBuffers): each vertex blends up to 4 bone model-view matrices from the
// skin's bone table (phav.render.uniforms.bone_table: texel columns 0-3 = t, 4-7 = t+1, 8-11 = t-1;
// one row per bone), with the same weights for all three frames, so motion is exact for deforming
// bodies. The G-buffer and ground-truth passes then draw the captured camera-frame positions.
uniform sampler2D u_bones;

in vec3 in_position;
in vec3 in_normal;
in uvec4 in_bones;
in vec4 in_weights;

out vec3 out_view;       // camera frame at t, metres
out vec3 out_view_next;  // camera frame at t+1
out vec3 out_view_prev;  // camera frame at t-1
out vec3 out_normal;     // camera frame at t (the blended rotation; renormalised when shaded)

mat4 bone_matrix(int first_column, uint bone) {
    int row = int(bone);
    return mat4(texelFetch(u_bones, ivec2(first_column + 0, row), 0),
                texelFetch(u_bones, ivec2(first_column + 1, row), 0),
                texelFetch(u_bones, ivec2(first_column + 2, row), 0),
                texelFetch(u_bones, ivec2(first_column + 3, row), 0));
}

mat4 model_view(int first_column) {
    return in_weights.x * bone_matrix(first_column, in_bones.x) + in_weights.y * bone_matrix(first_column, in_bones.y)
         + in_weights.z * bone_matrix(first_column, in_bones.z) + in_weights.w * bone_matrix(first_column, in_bones.w);
}

void main() {
    vec4 local = vec4(in_position, 1.0);
    mat4 mv = model_view(0);
    out_view = (mv * local).xyz;
    out_view_next = (model_view(4) * local).xyz;
    out_view_prev = (model_view(8) * local).xyz;
    out_normal = mat3(mv) * in_normal;
}

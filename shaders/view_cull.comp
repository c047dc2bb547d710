#version 430
// View culling of the large rigid parts' triangles (phav.render.view_cull.ViewCulling): one
// invocation per cell (a run of consecutive triangles of one part). A cell whose bounding box lies,
// all eight corners, outside one plane of frame t's clip volume cannot produce a fragment (the GPU
// would clip all of its triangles), so its indirect draw command gets no indices; any other cell
// gets all of them. The commands are then drawn in order, so the triangles that are drawn are drawn
// in the same order as without culling.
#include "frame_block.glsl"
layout(local_size_x = 64) in;

struct Cell {
    vec4 lo;     // xyz: the cell's box in its part's mesh frame, metres (minimum corner)
    vec4 hi;     // xyz: maximum corner
    uvec4 info;  // x: first vec4 of the part's row in the part table; y: command; z: index count
};
layout(std430, binding = 0) readonly buffer Cells { Cell u_cells[]; };
// The part table as written for the PartData block (phav.render.part_batch): per part, vec4 rows
// 0-2 = the top three rows of its model-view at t.
layout(std430, binding = 1) readonly buffer Parts { vec4 u_rows[]; };
// DrawElementsIndirectCommand: count, instance count, first index, base vertex, base instance.
layout(std430, binding = 2) writeonly buffer Commands { uint u_commands[]; };
uniform uint u_cells_count;

// How far outside a plane a corner must be, relative to |w|: float rounding never culls a
// triangle that touches the clip volume.
const float SLACK = 1e-5;

void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i >= u_cells_count) return;
    Cell cell = u_cells[i];
    uint row = cell.info.x;
    vec4 r0 = u_rows[row], r1 = u_rows[row + 1u], r2 = u_rows[row + 2u];
    bool right = true, left = true, below = true, above = true, beyond = true, before = true;
    for (int k = 0; k < 8; ++k) {
        vec4 p = vec4((k & 1) == 0 ? cell.lo.x : cell.hi.x, (k & 2) == 0 ? cell.lo.y : cell.hi.y,
                      (k & 4) == 0 ? cell.lo.z : cell.hi.z, 1.0);
        vec4 clip = u_proj * vec4(dot(r0, p), dot(r1, p), dot(r2, p), 1.0);
        float w = clip.w + SLACK * abs(clip.w);
        right = right && clip.x > w;
        left = left && clip.x < -w;
        below = below && clip.y > w;
        above = above && clip.y < -w;
        beyond = beyond && clip.z > w;
        before = before && clip.z < -w;
    }
    bool outside = right || left || below || above || beyond || before;
    u_commands[cell.info.y * 5u] = outside ? 0u : cell.info.z;
}

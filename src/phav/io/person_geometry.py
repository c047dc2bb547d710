"""The surface a person is drawn with, posed at any frame of a take: what their boxes bound.

A person's instance owns mesh parts (rigid, each at its part's pose) and skins (a
:class:`phav.take.Skin` belongs to the instance of its first bone part), which the renderer poses
by linear blend skinning: vertex ``v`` at frame ``t`` is
``sum_k weights[v, k] * pose_t[bone_parts[bones[v, k]]] @ inverse_bind[bones[v, k]] @ p_bind``.
:class:`PersonGeometry` computes the same positions on the CPU (float64), so the annotations'
2D and 3D boxes bound what the images show. People made by the scenario are skins only, so without
the skins their boxes would be empty.

Skinning, per skin: every (vertex, bone) pair with a non-zero weight is kept once, in its bone's
frame and scaled by its weight (``w * inverse_bind @ p_bind``, with ``w`` as a fourth column),
grouped by bone; a frame then costs one ``(M_b, 4) @ (4, 3)`` product per bone (the bone's rotation
and translation) and a sum per vertex (``np.bincount``).
"""

from __future__ import annotations

import numpy as np

from phav.geometry import quat_to_matrix
from phav.take import Mesh, Take


def mesh_edges(mesh: Mesh) -> np.ndarray:
    """``(E, 2) int64`` the distinct edges of ``mesh``'s triangles, each as sorted vertex indices."""
    tri = mesh.indices.astype(np.int64)
    if not len(tri):
        return np.zeros((0, 2), dtype=np.int64)
    e = np.sort(np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]]), axis=1)
    n = int(tri.max()) + 1
    key = np.unique(e[:, 0] * n + e[:, 1])  # one integer a pair: far faster than unique rows
    return np.stack([key // n, key % n], axis=1)


class _PosedSkin:
    """One skin's (vertex, bone) pairs, grouped by bone, ready to pose at any frame."""

    def __init__(self, take: Take, skin_index: int):
        skin = take.skins[skin_index]
        self.bone_parts = np.asarray(skin.bone_parts, dtype=np.int64)
        self.count = len(skin.mesh.positions)
        vertex, slot = np.nonzero(skin.weights > 0)
        bone = skin.bones[vertex, slot].astype(np.int64)
        order = np.argsort(bone, kind="stable")
        vertex, slot, bone = vertex[order], slot[order], bone[order]
        weight = skin.weights[vertex, slot].astype(np.float64)
        bind = skin.mesh.positions.astype(np.float64)[vertex]
        inverse = np.asarray(skin.inverse_bind, dtype=np.float64)[bone]  # (M, 4, 4) world -> bone frame
        local = np.einsum("mij,mj->mi", inverse[:, :3, :3], bind) + inverse[:, :3, 3]
        self.vertex = vertex
        # (M, 4): w * inverse_bind @ p_bind, and w; times a bone's [R^T; t] (4, 3): w * pose @ that
        self.weighted = np.concatenate([local * weight[:, None], weight[:, None]], axis=1)
        self.bounds = np.searchsorted(bone, np.arange(len(self.bone_parts) + 1))  # bone b: [bounds[b], bounds[b+1])

    def vertices(self, take: Take, t: int) -> np.ndarray:
        """``(N, 3) float64`` the skin's world vertices at frame ``t``."""
        rot = quat_to_matrix(np.asarray(take.part_quat[t], dtype=np.float64)[self.bone_parts])  # (B, 3, 3)
        pos = np.asarray(take.part_pos[t], dtype=np.float64)[self.bone_parts]  # (B, 3)
        affine = np.concatenate([rot.transpose(0, 2, 1), pos[:, None, :]], axis=1)  # (B, 4, 3)
        moved = np.empty((len(self.weighted), 3))
        for b in range(len(self.bone_parts)):
            lo, hi = self.bounds[b], self.bounds[b + 1]
            if hi > lo:
                np.matmul(self.weighted[lo:hi], affine[b], out=moved[lo:hi])
        return np.stack([np.bincount(self.vertex, moved[:, d], minlength=self.count) for d in range(3)], axis=1)


class PersonGeometry:
    """The mesh vertices and edges one person (instance ``instance_id`` of ``take``) is drawn with:
    its rigid mesh parts and its skins; :meth:`world_vertices` poses them at a frame."""

    def __init__(self, take: Take, instance_id: int) -> None:
        parts = np.flatnonzero(np.asarray(take.part_instance) == instance_id)
        positions, part_of_vertex = [], []
        self._meshes: list[Mesh] = []  # in vertex order: the rigid parts', then the skins'
        for p in parts:
            mesh = take.meshes[int(take.part_mesh[p])]
            n = len(mesh.positions)
            if n == 0:
                continue
            positions.append(mesh.positions.astype(np.float64))
            part_of_vertex.append(np.full(n, p, dtype=np.int64))
            self._meshes.append(mesh)
        self.local = np.concatenate(positions) if positions else np.zeros((0, 3))
        self.part = np.concatenate(part_of_vertex) if part_of_vertex else np.zeros(0, dtype=np.int64)
        self._skins = []
        for i, skin in enumerate(take.skins):
            if len(skin.mesh.positions) and int(take.part_instance[int(skin.bone_parts[0])]) == instance_id:
                self._skins.append(_PosedSkin(take, i))
                self._meshes.append(skin.mesh)
        self.empty = not self._meshes
        self._edges: np.ndarray | None = None
        self._triangles: np.ndarray | None = None

    @property
    def edges(self) -> np.ndarray:
        """``(E, 2) int64`` the meshes' distinct edges, as indices of :meth:`world_vertices`' rows
        (made on first use: only a surface the view's border or near plane cuts needs them)."""
        if self._edges is None:
            self._edges = self._stacked(mesh_edges, 2)
        return self._edges

    @property
    def triangles(self) -> np.ndarray:
        """``(F, 3) int64`` the meshes' triangles, as indices of :meth:`world_vertices`' rows (made on
        first use: only a surface the view's border cuts needs them)."""
        if self._triangles is None:
            self._triangles = self._stacked(lambda mesh: mesh.indices.astype(np.int64).reshape(-1, 3), 3)
        return self._triangles

    def _stacked(self, per_mesh, columns: int) -> np.ndarray:
        """``per_mesh(mesh)`` (vertex indices, ``(n, columns)``) of every mesh, shifted to
        :meth:`world_vertices`' rows and stacked."""
        stacked, offset = [np.zeros((0, columns), dtype=np.int64)], 0
        for mesh in self._meshes:
            stacked.append(per_mesh(mesh) + offset)
            offset += len(mesh.positions)
        return np.concatenate(stacked)

    def world_vertices(self, take: Take, t: int) -> np.ndarray:
        """``(N, 3) float64`` world positions of the vertices at frame ``t`` (the rigid parts' first,
        then each skin's, in the order of :attr:`edges`' indices)."""
        rot = quat_to_matrix(np.asarray(take.part_quat[t], dtype=np.float64))[self.part]  # (N, 3, 3)
        rigid = np.einsum("nij,nj->ni", rot, self.local) + np.asarray(take.part_pos[t], dtype=np.float64)[self.part]
        if not self._skins:
            return rigid
        return np.concatenate([rigid] + [skin.vertices(take, t) for skin in self._skins])

"""Bodies: skeleton, URDF and render-mesh generation, appearance (no GL, no physics here)."""

from phav.body.appearance import Appearance
from phav.body.mesh import skeleton_meshes
from phav.body.skeleton import ACTUATED_JOINTS, ANNOTATED_JOINTS, Segments, Skeleton, build_skeleton, default_skeleton

__all__ = ["ACTUATED_JOINTS", "ANNOTATED_JOINTS", "Appearance", "Segments", "Skeleton", "build_skeleton",
           "default_skeleton", "skeleton_meshes"]

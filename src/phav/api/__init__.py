"""The library for custom scenes: build a scene, simulate it to a take, render frames, write videos.

Build (:class:`Scene`: environment, day phase, weather; people with registered actions or own
clips; props from the built-ins, OBJ/glTF files or URDF models; cameras and lights), simulate
(:meth:`Scene.simulate` -> :class:`~phav.take.Take`), look through other cameras (:func:`view`),
render to arrays (:func:`render_frames`, :func:`render_arrays`) and write the CLI's video folder
(:func:`write_video`). Everything here is re-exported from :mod:`phav`.
"""

from phav.api.cameras import CameraPoses, view
from phav.api.meshes import MeshFileError, load_mesh, read_gltf, read_obj
from phav.api.output import render_arrays, render_frames, write_video
from phav.api.props import MeshProp, UrdfProp, builtin_prop, builtin_prop_names
from phav.api.scene import Person, Scene, check_clip_joints

__all__ = ["CameraPoses", "MeshFileError", "MeshProp", "Person", "Scene", "UrdfProp", "builtin_prop",
           "builtin_prop_names", "check_clip_joints", "load_mesh", "read_gltf", "read_obj", "render_arrays",
           "render_frames", "view", "write_video"]

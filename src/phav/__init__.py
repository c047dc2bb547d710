"""phav: procedural human action videos with exact ground truth.

The public API, in the order data flows (DESIGN §1)::

    import phav
    scene = phav.Scene("Plain", "Day", "Clear", frames=30, size=(160, 120), seed=0)
    scene.add_person("Walk", actor="Model_Woman01")
    take = scene.simulate()                                  # phav.Take: plain numpy, .save()/.load()
    for frame in phav.render_frames(take, ("img", "depth")):  # arrays, nothing on disk
        ...
    scene.write("out", take)                                 # the video folder, as phav-render writes it

* Specs and videos: :class:`VideoSpec` (JSON round trip), :func:`generate_video` (spec -> folder:
  what the CLI, the dataset runner and the server call), :func:`read_video` (folder -> arrays), :func:`open_dataset` (a made dataset's videos, labels and splits),
  :func:`dataset_classes` (its classes in label order).
* Custom scenes (:mod:`phav.api`): :class:`Scene`, :class:`CameraPoses`, :func:`view`,
  :func:`render_frames`, :func:`render_arrays`, :func:`write_video`, :func:`load_mesh`.
* Pieces: :class:`Take`, :class:`Renderer`, :class:`RenderSettings`, :func:`quality_settings`,
  :class:`BodyShape`, :class:`Appearance`, :class:`Clip`, :func:`register_action`,
  :class:`ActionRecipe`, :func:`register_environment`, the enumerations.

Only the spec and take modules load with ``import phav``; the rest (PyBullet, ModernGL) loads on
first use of a name.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

from phav.spec import CameraKind, DayPhase, Environment, Variation, VideoSpec, Weather
from phav.take import ActorTrack, Atmosphere, Instance, LocalLights, Mesh, Take

__version__ = "0.1.0"

#: Names loaded on first use: name -> module.
_LAZY = {
    "Scene": "phav.api", "Person": "phav.api", "CameraPoses": "phav.api", "view": "phav.api",
    "render_frames": "phav.api", "render_arrays": "phav.api", "write_video": "phav.api",
    "load_mesh": "phav.api", "MeshFileError": "phav.api", "builtin_prop_names": "phav.api",
    "generate_video": "phav.pipeline", "VideoResult": "phav.pipeline",
    "read_video": "phav.io", "VideoData": "phav.io",
    "open_dataset": "phav.dataset.index", "DatasetVideo": "phav.dataset.index",
    "dataset_classes": "phav.dataset.classes",
    "Renderer": "phav.render", "RenderSettings": "phav.render", "quality_settings": "phav.render.settings",
    "Frame": "phav.frames", "MODALITIES": "phav.frames",
    "BodyShape": "phav.body.anthropometry", "Appearance": "phav.body.appearance",
    "preset_names": "phav.body.presets",
    "Clip": "phav.motion.clip",
    "ActionRecipe": "phav.actions", "ActionPlan": "phav.actions", "BuildContext": "phav.actions",
    "SignatureResult": "phav.actions", "action_names": "phav.actions", "get_action": "phav.actions",
    "register_action": "phav.plugins", "register_environment": "phav.plugins", "load_plugins": "phav.plugins",
    "PhavError": "phav.errors", "SpecError": "phav.errors", "SignatureError": "phav.errors",
    "OutputError": "phav.errors", "DataError": "phav.errors",
}

if TYPE_CHECKING:  # for type checkers and documentation tools: the lazy names, eagerly
    from phav.actions import (ActionPlan, ActionRecipe, BuildContext, SignatureResult, action_names,
                              get_action)
    from phav.api import (CameraPoses, MeshFileError, Person, Scene, builtin_prop_names, load_mesh,
                          render_arrays, render_frames, view, write_video)
    from phav.body.anthropometry import BodyShape
    from phav.body.appearance import Appearance
    from phav.body.presets import preset_names
    from phav.dataset.classes import dataset_classes
    from phav.dataset.index import DatasetVideo, open_dataset
    from phav.errors import DataError, OutputError, PhavError, SignatureError, SpecError
    from phav.frames import MODALITIES, Frame
    from phav.io import VideoData, read_video
    from phav.motion.clip import Clip
    from phav.pipeline import VideoResult, generate_video
    from phav.plugins import load_plugins, register_action, register_environment
    from phav.render import Renderer, RenderSettings
    from phav.render.settings import quality_settings


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:  # a subpackage not imported yet (phav.io, phav.worlds, ...)
        try:
            return importlib.import_module(f"phav.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"phav.{name}":
                raise
            raise AttributeError(f"module 'phav' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = sorted([
    "ActorTrack", "Atmosphere", "CameraKind", "DayPhase", "Environment", "Instance", "LocalLights", "Mesh",
    "Take", "Variation", "VideoSpec", "Weather", "__version__", *_LAZY,
])


def _runs_phav_render() -> bool:
    """Whether this process is ``phav-render`` starting up: its console script, or ``python -m
    phav.cli`` while the module is located (``sys.argv[0]`` is ``-m`` then). A dataset worker it
    spawns runs neither as its main module."""
    import sys

    script = getattr(sys.modules.get("__main__"), "__file__", None) or ""
    if os.path.basename(script).startswith("phav-render"):
        return True
    return sys.argv[:1] == ["-m"] and "phav.cli" in getattr(sys, "orig_argv", [])


# Worker processes (the dataset runner spawns them) load the plugins their parent loaded; a plugin
# that fails raises its PluginError here, except in phav-render, whose main() loads PHAV_PLUGINS
# again before anything else and reports the error in one line (raised here, it would be a traceback).
if os.environ.get("PHAV_PLUGINS"):
    from phav.plugins import PluginError as _PluginError
    from phav.plugins import load_plugins as _load_plugins

    try:
        _load_plugins(entry_points=False)
    except _PluginError:
        if not _runs_phav_render():
            raise

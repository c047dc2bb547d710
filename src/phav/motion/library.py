"""The motion library: one place that turns a clip name into a clip on a given body.

Sources, searched in this order (the first match of a name wins):

1. a path to a ``.json`` (phav clip, :mod:`phav.motion.clip`) or ``.bvh`` file (:mod:`phav.motion.bvh`);
2. clips shipped with phav in ``motions/`` (``<name>.json`` or ``<name>.bvh``; found through
   :func:`phav.resources.resource_dir`), then the folders listed in the environment variable
   ``PHAV_MOTIONS`` (separated by ``os.pathsep``; each must be a folder), where users drop their own files;
3. PyBullet's DeepMimic clips (``walk``, ``run``, ``jump``, ... :mod:`phav.motion.deepmimic`).

Every clip is retargeted to the body (:func:`phav.motion.retarget.retarget`: root motion scaled by
leg length, the body put on the ground), then its stance feet are pinned
(:func:`phav.motion.footlock.lock_feet`: no foot skating). A clip file without ``leg_length`` is
taken to be sized for the body it is loaded onto (no scaling, the ground pass still applies).
"""

from __future__ import annotations

import os
from pathlib import Path

from phav.body.skeleton import SIDES, Skeleton, default_skeleton
from phav.errors import SpecError
from phav.motion import deepmimic
from phav.motion.bvh import load_bvh
from phav.motion.clip import Clip
from phav.motion.footlock import lock_feet
from phav.motion.retarget import retarget
from phav.resources import resource_dir

#: File suffixes the library reads.
SUFFIXES = (".json", ".bvh")
#: Environment variable naming extra motion folders.
ENV_VAR = "PHAV_MOTIONS"


def motion_folders() -> list[Path]:
    """The folders searched for clip files: phav's ``motions/``, then ``$PHAV_MOTIONS``'s.

    Raises:
        SpecError: ``$PHAV_MOTIONS`` names something that is not a folder (a typo would otherwise
            leave the user's clips out without a word, and videos made with other motions).
    """
    folders = [resource_dir("motions")]
    for entry in os.environ.get(ENV_VAR, "").split(os.pathsep):
        if not entry:
            continue
        if not Path(entry).is_dir():
            what = "is not a folder" if Path(entry).exists() else "does not exist"
            raise SpecError(f"${ENV_VAR} lists {entry}, which {what}; fix or unset ${ENV_VAR} (folders of "
                            f".json/.bvh clip files, separated by {os.pathsep!r})")
        folders.append(Path(entry))
    return folders


def available_clips() -> dict[str, str]:
    """Every clip name the library resolves, with where it comes from (a file path or
    ``deepmimic``), in resolution order."""
    out: dict[str, str] = {}
    for folder in motion_folders():
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.suffix.lower() in SUFFIXES and path.is_file():
                    out.setdefault(path.stem, str(path))
    for name in deepmimic.available_clips():
        out.setdefault(name, "deepmimic")
    return out


def find_clip(name: str) -> str:
    """Where ``name`` resolves: a file path, or ``deepmimic``.

    Raises:
        ValueError: unknown name; the message lists the available clips.
    """
    candidate = Path(name)
    if candidate.suffix.lower() in SUFFIXES and candidate.is_file():
        return str(candidate)
    if candidate.suffix.lower() in SUFFIXES or os.sep in name:
        raise ValueError(f"clip file {name} does not exist")
    available = available_clips()
    if name not in available:
        raise ValueError(f"unknown clip {name!r}; available: {', '.join(sorted(available))} "
                         f"(or a path to a .json/.bvh file; add folders with ${ENV_VAR})")
    return available[name]


def load_clip(name: str, skeleton: Skeleton | None = None, *, ground: bool = True, lock: bool = True) -> Clip:
    """The clip ``name`` (see the module docstring) retargeted to ``skeleton``.

    Args:
        name: a library name (:func:`available_clips`) or a path to a ``.json``/``.bvh`` file.
        skeleton: the body (default :func:`phav.body.skeleton.default_skeleton`).
        ground: put the body on the ground (:func:`phav.motion.retarget.retarget`).
        lock: pin stance feet (:func:`phav.motion.footlock.lock_feet`; with ``ground`` only, and
            only for clips that have both legs' hip, knee and ankle tracks).
    Raises:
        ValueError: unknown name (lists the available clips) or an unreadable, corrupt or
            unmappable file (one line naming the file and the problem).
    """
    skeleton = skeleton or default_skeleton()
    source = find_clip(name)
    if source == "deepmimic":
        clip = deepmimic.load_deepmimic(name, skeleton)
    else:
        path = Path(source)
        clip = load_bvh(path) if path.suffix.lower() == ".bvh" else Clip.load(path)
    leg = clip.leg_length if clip.leg_length is not None else skeleton.segments.leg_length
    clip = retarget(clip, skeleton, source_leg_length=leg, ground=ground)
    legs = {f"{side}_{joint}" for side in SIDES for joint in ("hip", "knee", "ankle")}
    if ground and lock and legs <= set(clip.joint_names):
        clip, _ = lock_feet(clip, skeleton)
    return clip

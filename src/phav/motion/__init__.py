"""Motion: the clip format, importers (DeepMimic, BVH), retargeting and the motion library (no GL,
no physics here). ``load_clip(name, skeleton)`` is the one entry point for named clips."""

from phav.motion.clip import Clip, Pose
from phav.motion.deepmimic import available_clips, load_deepmimic
from phav.motion.library import load_clip

__all__ = ["Clip", "Pose", "available_clips", "load_clip", "load_deepmimic"]

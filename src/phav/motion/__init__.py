"""Motion: the clip format and importers (no GL, no physics here)."""

from phav.motion.clip import Clip, Pose
from phav.motion.deepmimic import available_clips, load_deepmimic

__all__ = ["Clip", "Pose", "available_clips", "load_deepmimic"]

"""Write the clips phav ships in ``motions/`` (phav clip JSON, see ``motions/README.md``).

Every shipped clip is derived from PyBullet's DeepMimic clips (``pybullet_data/data/motions``,
from the DeepMimic project, MIT licence) by clip operations, on the default 1.75 m skeleton
(``leg_length`` recorded, so the library rescales them to any body):

- ``punch_left``, ``kick_left``: the left-handed / left-footed mirror images of ``punch``, ``kick``;
- ``walk_slow``: ``walk`` at 0.7 of its speed (same stride, longer cycle).

Usage:
    python scripts/make_motions.py [--out motions]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from phav.body.skeleton import default_skeleton
from phav.motion.deepmimic import load_deepmimic
from phav.motion.ops import mirror, speed


def shipped_clips():
    """``[(file stem, Clip)]`` of every shipped clip."""
    skeleton = default_skeleton()

    def dm(name: str):
        return load_deepmimic(name, skeleton).placed((0.0, 0.0), 0.0)

    return [
        ("punch_left", mirror(dm("punch"), name="punch_left")),
        ("kick_left", mirror(dm("kick"), name="kick_left")),
        ("walk_slow", speed(dm("walk"), 0.7, name="walk_slow")),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "motions")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for stem, clip in shipped_clips():
        clip.name = stem
        path = args.out / f"{stem}.json"
        clip.save(path)
        print(f"{path}: {clip.num_frames} frames at {clip.fps:.2f} Hz, {clip.duration:.2f} s")


if __name__ == "__main__":
    main()

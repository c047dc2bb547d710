"""Frames straight into NumPy for a training loop: no files are written.

Each step simulates a new scene from its own seed, renders RGB, depth and semantic labels at the
training size and hands the batch to a (stand-in) training step.

    python examples/training_loop.py --steps 3
"""

import sys

import numpy as np

import phav

ACTIONS = ("Walk", "Run", "Jump")


def batches(steps: int, frames: int, size: tuple[int, int], quality: str):
    """Yield ``(rgb (T, H, W, 3) float32 in [0, 1], depth (T, H, W) float32 m, labels (T, H, W) uint8, action)``."""
    with phav.Renderer(*size, phav.quality_settings(quality)) as renderer:  # one renderer for every video
        for step in range(steps):
            action = ACTIONS[step % len(ACTIONS)]
            scene = phav.Scene(("Plain", "Stadium", "Urban")[step % 3], frames=frames, size=size, seed=step)
            scene.add_person(action, check_signature=False)
            take = scene.simulate()
            rgb, depth, labels = [], [], []
            for frame in phav.render_frames(take, ("img", "depth", "classgt"), renderer=renderer):
                rgb.append(frame.img.astype(np.float32) / 255.0)
                depth.append(np.minimum(frame.depth, 100.0))  # sky is +inf: clamp for a loss
                labels.append(frame.semantic)
            yield np.stack(rgb), np.stack(depth), np.stack(labels), action


def train_step(rgb: np.ndarray, depth: np.ndarray, labels: np.ndarray) -> float:
    """Stand-in for a model update: the mean depth over pixels labelled as a person's body parts."""
    person = labels >= 36  # the 27 body-part classes (phav.labels.BODY_PART_FIRST)
    return float(depth[person].mean()) if person.any() else float("nan")


def main() -> None:
    tiny = "--tiny" in sys.argv or __import__("os").environ.get("PHAV_EXAMPLES_TINY") == "1"
    steps = int(sys.argv[sys.argv.index("--steps") + 1]) if "--steps" in sys.argv else 3
    frames, size, quality = (4, (64, 48), "preview") if tiny else (16, (160, 120), "phav")
    for step, (rgb, depth, labels, action) in enumerate(batches(steps, frames, size, quality)):
        value = train_step(rgb, depth, labels)
        print(f"step {step}: {action:5s} rgb {rgb.shape} depth {depth.shape} person depth {value:.2f} m")


if __name__ == "__main__":
    main()

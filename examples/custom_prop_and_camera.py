"""A custom prop from an OBJ file and an explicit camera path: a person walks past a crate and a
ball while the camera dollies sideways; the video is written as `phav-render video` writes it.

    python examples/custom_prop_and_camera.py --out out
"""

from pathlib import Path

import numpy as np

import phav
from _common import options

HERE = Path(__file__).resolve().parent


def main() -> None:
    args = options(__doc__.splitlines()[0])
    scene = phav.Scene("Plain", "Dusk", "Clear", frames=args.frames, size=args.size, seed=args.seed)
    walker = scene.add_person("Walk", actor="Model_Woman01", position=(0.0, 0.0), heading=0.0)
    # the user's mesh: 0.6 m crate, class Misc, 12 kg, a box collider; and a built-in ball thrown in
    scene.add_prop(HERE / "data" / "crate.obj", semantic="Misc", position=(2.5, 0.9, 0.0), scale=0.6,
                   mass=12.0, name="crate")
    scene.add_prop("ball", position=(3.0, -1.5, 0.5), mass=0.45, velocity=(-1.0, 2.0, 2.0))
    # explicit poses per frame: a sideways dolly at 1.6 m looking at the path
    t = np.arange(args.frames) / 30.0
    eyes = np.stack([0.5 + 0.8 * t, np.full_like(t, -4.5), np.full_like(t, 1.6)], axis=1)
    targets = np.stack([1.0 + 0.8 * t, np.zeros_like(t), np.full_like(t, 0.9)], axis=1)
    scene.add_camera(phav.CameraPoses.look_at(eyes, targets, vertical_fov_deg=55.0))
    scene.add_light((2.5, 0.0, 2.5), colour=(6.0, 5.0, 3.5), radius=8.0)  # a lamp over the path

    take = scene.simulate()
    folder = scene.write(args.out, take, quality=args.quality, overwrite=True)
    crate = take.part_pos[:, take.part_names.index("prop/crate")]
    print(f"{walker.name} walked {np.linalg.norm(np.diff(take.actors[0].joints_3d[[0, -1], 0, :2], axis=0)):.2f} m;"
          f" crate at {crate[-1].round(2).tolist()}")
    print(folder)


if __name__ == "__main__":
    main()

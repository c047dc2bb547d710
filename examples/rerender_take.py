"""Re-render one saved Take from several cameras: simulate once, save `take.npz`, load it and look
through three rigs and an explicit camera; writes a contact sheet (one column per camera).

    python examples/rerender_take.py --out out
"""

from pathlib import Path

import numpy as np
from PIL import Image

import phav
from phav.camera import camera_to_world
from phav.worlds.cameras import KiteRig, OrbitalRig, TripodRig
from _common import options


def main() -> None:
    args = options(__doc__.splitlines()[0], frames=30)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scene = phav.Scene("Plain", frames=args.frames, size=args.size, seed=args.seed)
    scene.add_person("Walk")
    scene.simulate().save(out / "take.npz")  # the simulation, once

    take = phav.Take.load(out / "take.npz")
    pelvis = take.actors[0].joints_3d[0, take.actors[0].joint_names.index("pelvis")]
    cameras = {
        "kite": KiteRig(distance=4.0, height=1.8, azimuth=2.5, vertical_fov_deg=45.0, lag=0.5, aim_height=0.0),
        "orbital": OrbitalRig(radius=5.0, height=2.0, start_azimuth=0.0, angular_speed=0.6, vertical_fov_deg=50.0,
                              lag=0.4),
        "tripod": TripodRig(side_angle=1.2, height=1.5, min_distance=5.0, vertical_fov_deg=45.0),
        "overhead": phav.CameraPoses.look_at(pelvis + [0.5, 0.0, 7.0], pelvis, vertical_fov_deg=60.0),
    }
    columns = []
    for name, camera in cameras.items():
        view = phav.view(take, camera)  # same motion, another camera: no physics runs here
        frames = list(phav.render_frames(view, ("img",), quality=args.quality))
        columns.append(np.concatenate([frames[0].img, frames[-1].img], axis=0))  # first and last frame
        print(f"{name:8s} camera at {np.round(camera_to_world(view.camera_world_to_camera[0])[:3, 3], 2).tolist()}")
    sheet = out / "cameras.png"
    Image.fromarray(np.concatenate(columns, axis=1)).save(sheet)
    print(sheet)


if __name__ == "__main__":
    main()

"""A user-defined environment: "Courtyard", a grassy yard walled on three sides, with a bench and a
street lamp, drawn anew from each video's seed.

Run it to render one video in the courtyard through the library, or use the module as a plugin so
that the CLI and the dataset command offer the environment:

    python examples/custom_environment.py --out out
    PYTHONPATH=examples phav-render --plugin custom_environment video --action Walk --environment Courtyard --out out
    PYTHONPATH=examples phav-render --plugin custom_environment dataset --classes Walk --environment Courtyard \\
        --videos-per-class 2 --out ds

An environment is a function ``builder(rng) -> phav.worlds.scene.StaticScene`` registered under a
name; ``rng`` is the video's ``world`` generator, so the same seed builds the same layout. The
scene holds meshes drawn as *stuff* (no instance id: ground, walls), *objects* with their own
instance ids, box *colliders* for the physics (the walls; cameras keep out of them too), local
*lights*, and the actor's start on free ground. Units: metres, radians about +Z from +X, Z up;
colours are linear RGB; every triangle carries a semantic class (``phav.labels.CLASS_NAMES``).
"""

import numpy as np

import phav
from phav.plugins import register_environment
from phav.spec import Environment
from phav.worlds import props
from phav.worlds.ground import tiled_ground
from phav.worlds.primitives import MeshBuilder, yaw_matrix
from phav.worlds.scene import Collider, SceneLight, SceneObject, StaticScene

#: Half the courtyard's side and its walls' height and half thickness, metres.
YARD_HALF = 7.0
WALL_HEIGHT = 3.0
WALL_HALF_THICKNESS = 0.15


def build_courtyard(rng: np.random.Generator) -> StaticScene:
    """The courtyard: ground, walls north, south and east (open to the west, where the cameras can
    stand back), a bench and a lamp by the north wall; the actor starts in the west half walking
    east (+X). Wall colour and the bench's and lamp's places come from ``rng``."""
    ground = tiled_ground(rng, road_half_width=0.0)
    wall_colour = tuple(float(c) for c in rng.uniform((0.45, 0.3, 0.22), (0.6, 0.4, 0.3)))  # brick
    walls, colliders = MeshBuilder(), []
    h, t, L = WALL_HEIGHT / 2, WALL_HALF_THICKNESS, YARD_HALF
    for center, half in (((0.0, L, h), (L, t, h)), ((0.0, -L, h), (L, t, h)), ((L, 0.0, h), (t, L, h))):
        walls.box(center, half, wall_colour, "Building")
        colliders.append(Collider(center, half))  # the same box for the physics and the cameras
    bench = props.bench(rng)
    lamp = props.street_lamp(rng)
    bench_x, lamp_x = float(rng.uniform(-3.0, 3.0)), float(rng.uniform(-4.0, 4.0))
    bench_at = np.array([bench_x, L - 1.2, 0.0])
    lamp_at = np.array([lamp_x, L - 0.5, 0.0])
    objects = [SceneObject("bench_1", bench.label, bench.mesh, bench_at, 0.0),
               SceneObject("lamp_1", lamp.label, lamp.mesh, lamp_at, -np.pi / 2)]  # its arm over the yard
    colliders.append(Collider(tuple(bench_at + [0.0, 0.0, bench.half[2]]), tuple(bench.half)))
    start = np.array([float(rng.uniform(-5.0, -3.0)), float(rng.uniform(-1.5, 1.5))])
    return StaticScene(
        meshes=[("ground", ground), ("walls", walls.build("walls"))],
        start_position=start,
        start_heading=float(rng.uniform(-0.2, 0.2)),  # east, along the yard
        params={"wall_colour_r": wall_colour[0], "bench_x": bench_x, "lamp_x": lamp_x},
        objects=objects,
        colliders=colliders,
        lights=[SceneLight(tuple(lamp_at + yaw_matrix(-np.pi / 2) @ offset), tuple(colour), radius)  # on at dusk
                for offset, colour, radius in lamp.lights],                                      # and night
    )


def register() -> None:
    """Register Courtyard once (importing this module does it; a second import changes nothing)."""
    if "Courtyard" not in [e.value for e in Environment]:
        register_environment("Courtyard", build_courtyard)


register()


def main() -> None:
    from _common import options

    args = options(__doc__.splitlines()[0], frames=45)
    scene = phav.Scene("Courtyard", day_phase="Dusk", frames=args.frames, size=args.size, seed=args.seed)
    scene.add_person("Walk", check_signature=not args.tiny)  # the tiny smoke run is too short to judge
    take = scene.simulate()
    print("objects:", [i.name for i in take.instances])
    print(scene.write(args.out, take, quality=args.quality, overwrite=True))


if __name__ == "__main__":
    main()

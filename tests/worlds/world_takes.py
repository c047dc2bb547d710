"""Takes of the worlds without physics: the environment, its lighting and weather, a box standing in
for the actor walking its corridor, and a camera rig following it. For fast render tests."""

from __future__ import annotations

import numpy as np

from phav.labels import class_id, instance_colors
from phav.seeding import video_rng
from phav.spec import CameraKind, DayPhase, Environment, Weather
from phav.take import Instance, Take
from phav.worlds.cameras import default_camera, sample_rig
from phav.worlds.environments import build_environment
from phav.worlds.lighting import indoors, sample_lighting
from phav.worlds.primitives import MeshBuilder
from phav.worlds.scene import StaticScene
from phav.worlds.weather import local_lights, sample_atmosphere

#: The stand-in actor: a 0.5 x 0.35 x 1.75 m box, its pelvis 0.95 m up.
ACTOR_HALF = np.array([0.25, 0.175, 0.875])
PELVIS_HEIGHT = 0.95


def walk_path(scene: StaticScene, frames: int, fps: float = 30.0, speed: float = 1.3) -> np.ndarray:
    """``(frames, 3)`` pelvis positions walking straight ahead from the scene's start."""
    t = np.arange(frames) / fps
    d = np.array([np.cos(scene.start_heading), np.sin(scene.start_heading)])
    xy = scene.start_position + np.outer(speed * t, d)
    return np.column_stack([xy, np.full(frames, PELVIS_HEIGHT)])


def world_take(environment: Environment, day_phase: DayPhase, weather: Weather, seed: int = 0,
               width: int = 32, height: int = 24, frames: int = 2, camera: CameraKind | None = None,
               scene: StaticScene | None = None) -> Take:
    """A take of ``environment`` (or the given ``scene``) with the stand-in actor as instance 1."""
    scene = build_environment(environment, video_rng(seed, "world")) if scene is None else scene
    lighting = sample_lighting(day_phase, weather, video_rng(seed, "light"))
    if scene.indoor:
        lighting = indoors(lighting)
    camera = default_camera(environment) if camera is None else camera
    path = walk_path(scene, frames)
    track = sample_rig(camera, video_rng(seed, "camera")).track(path, 30.0, width, height, scene)
    actor = MeshBuilder().box((0, 0, 0), ACTOR_HALF, (0.6, 0.4, 0.3), "Human", bottom=True).build("actor")
    meshes = [m for _, m in scene.meshes] + [actor] + [o.mesh for o in scene.objects]
    n_static, n_obj = len(scene.meshes), len(scene.objects)
    P = n_static + 1 + n_obj
    pos = np.zeros((frames, P, 3))
    quat = np.zeros((frames, P, 4))
    quat[..., 3] = 1.0
    pos[:, n_static] = path + [0, 0, ACTOR_HALF[2] - PELVIS_HEIGHT]
    ids = np.zeros(P, dtype=np.uint16)
    ids[n_static:] = np.arange(1, n_obj + 2)
    colors = instance_colors(n_obj + 1)
    instances = [Instance(1, "actor", class_id("Human"), tuple(int(c) for c in colors[1]))]
    for i, o in enumerate(scene.objects):
        pos[:, n_static + 1 + i] = o.position
        quat[:, n_static + 1 + i] = o.quat
        instances.append(Instance(i + 2, o.name, class_id(o.label), tuple(int(c) for c in colors[i + 2])))
    return Take(
        fps=30.0, width=width, height=height, meshes=meshes,
        part_names=[n for n, _ in scene.meshes] + ["actor"] + [o.name for o in scene.objects],
        part_mesh=np.arange(P, dtype=np.int32), part_instance=ids, part_pos=pos, part_quat=quat,
        camera_K=track.K, camera_world_to_camera=track.world_to_camera, instances=instances, actors=[],
        meta={"camera": track.params}, **lighting.per_frame(frames),
        atmosphere=sample_atmosphere(weather, lighting, frames, video_rng(seed, "weather"), indoor=scene.indoor),
        lights=local_lights(scene.lights, day_phase, frames, near=scene.start_position),
    ).validate()

"""Scenario: the built scene of one video, and its simulation into a :class:`~phav.take.Take`.

``Scenario(spec)`` draws every sampled value of the video from the spec's seed (clip, world layout,
lighting, camera rig, actor appearance) without touching PyBullet. :meth:`Scenario.simulate` then
builds the physics world, runs it at a fixed step and returns the take; the PyBullet client lives
only inside that call, so nothing from it leaks out.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from phav.actions import get_action
from phav.actions.registry import ActionRecipe
from phav.body.appearance import Appearance
from phav.body.skeleton import default_skeleton
from phav.errors import SignatureError, SpecError
from phav.labels import class_id, instance_colors
from phav.motion.deepmimic import load_deepmimic
from phav.physics import Humanoid, World
from phav.seeding import video_rng
from phav.spec import VideoSpec
from phav.take import ActorTrack, Instance, Mesh, Take
from phav.worlds.cameras import sample_rig
from phav.worlds.environments import build_environment
from phav.worlds.lighting import sample_lighting

#: Physics rate the substep count is chosen for, Hz (an integer number of substeps per frame).
PHYSICS_RATE = 240.0
#: Height of the default actor, metres.
DEFAULT_ACTOR_HEIGHT = 1.75


def resolve_clip(spec: VideoSpec, recipe: ActionRecipe) -> str:
    """The clip the video uses: the spec's, or one drawn from the seed among the action's clips.

    Raises:
        SpecError: the spec names a clip the action does not have; the message lists them.
    """
    if spec.clip:
        if spec.clip not in recipe.clips:
            raise SpecError(
                f"action {recipe.name} has no clip {spec.clip!r}; its clips: {', '.join(recipe.clips)}"
            )
        return spec.clip
    rng = video_rng(spec.seed, "clip")
    return recipe.clips[int(rng.integers(len(recipe.clips)))]


def substeps_per_frame(fps: float) -> int:
    """Physics substeps per video frame so that the physics rate is close to :data:`PHYSICS_RATE`."""
    return max(1, int(round(PHYSICS_RATE / fps)))


class Scenario:
    """Everything sampled for one video, ready to simulate.

    Raises:
        SpecError: the spec is invalid or asks for something not available (the message says what).
    """

    def __init__(self, spec: VideoSpec) -> None:
        try:
            self.spec = spec.validate()
            self.recipe = get_action(spec.action)
            self.clip_name = resolve_clip(spec, self.recipe)
            self.static = build_environment(spec.environment, video_rng(spec.seed, "world"))
            self.rig = sample_rig(spec.camera, video_rng(spec.seed, "camera"))
        except SpecError:
            raise
        except ValueError as exc:
            raise SpecError(str(exc)) from None
        self.lighting = sample_lighting(spec.day_phase, spec.weather, video_rng(spec.seed, "light"))
        self.appearance = Appearance.sample(video_rng(spec.seed, "actor"))
        self.skeleton = default_skeleton(height=DEFAULT_ACTOR_HEIGHT)
        self.substeps = substeps_per_frame(spec.fps)
        self.timestep = 1.0 / (spec.fps * self.substeps)

    @property
    def folder_name(self) -> str:
        """The video's PHAV folder name."""
        return self.spec.folder_name(self.clip_name)

    def simulate(self) -> Take:
        """Run the physics and return the take.

        Raises:
            phav.physics.SimulationError: the simulation exploded (NaN, speed or penetration bound).
            SignatureError: the take does not show the action.
        """
        spec = self.spec
        clip = load_deepmimic(self.clip_name, self.skeleton)
        states = []
        with World(timestep=self.timestep) as world:
            human = Humanoid(
                world, self.skeleton, clip,
                position=tuple(self.static.start_position), heading=self.static.start_heading,
            )
            actor_meshes = human.meshes(self.appearance)
            time_s = 0.0
            for frame in range(spec.frames):
                if frame:
                    for _ in range(self.substeps):
                        human.control(time_s)
                        world.step()
                        time_s += world.timestep
                    human.check()
                states.append(human.snapshot())
        take = self._assemble(states, actor_meshes)
        verdict = self.recipe.signature(take)
        take.meta["signature"] = {"ok": verdict.ok, "reason": verdict.reason}
        if not verdict.ok:
            raise SignatureError(f"{spec.action} was not performed visibly ({verdict.reason}); try another seed")
        return take

    # ---- take assembly ------------------------------------------------------------------------
    def _assemble(self, states: list[Any], actor_meshes: list[Mesh]) -> Take:
        spec = self.spec
        T = len(states)
        person_id = 1
        color = tuple(int(c) for c in instance_colors(1)[person_id])
        instances = [Instance(person_id, spec.actor, class_id("Human"), color)]

        static_meshes = [mesh for _, mesh in self.static.meshes]
        meshes = static_meshes + list(actor_meshes)
        link_names = states[0].link_names
        part_names = [name for name, _ in self.static.meshes] + [f"{spec.actor}/{n}" for n in link_names]
        n_static = len(static_meshes)
        P = len(part_names)

        part_pos = np.zeros((T, P, 3))
        part_quat = np.zeros((T, P, 4))
        part_quat[..., 3] = 1.0
        part_pos[:, n_static:] = np.stack([s.link_pos for s in states])
        part_quat[:, n_static:] = np.stack([s.link_quat for s in states])
        part_instance = np.zeros(P, dtype=np.uint16)
        part_instance[n_static:] = person_id

        joint_names = list(states[0].joint_names)
        joints_3d = np.stack([s.joints_3d for s in states])
        pelvis = joints_3d[:, joint_names.index("pelvis")]
        camera = self.rig.track(pelvis, spec.fps, spec.width, spec.height)

        actor = ActorTrack(
            name=spec.actor,
            instance_id=person_id,
            joint_names=joint_names,
            joints_3d=joints_3d,
            muscle_joints=list(states[0].muscle_joints),
            muscle_target=np.stack([s.muscle_target for s in states]),
            muscle_actual=np.stack([s.muscle_actual for s in states]),
            muscle_torque=np.stack([s.muscle_torque for s in states]),
            muscle_strength=np.stack([s.muscle_strength for s in states]),
            pin_weight=np.array([s.pin_weight for s in states], dtype=np.float64),
        )
        meta = {
            "clip": self.clip_name,
            "clip_source": "pybullet_data DeepMimic humanoid3d_" + self.clip_name,
            "world": dict(self.static.params, start_position=list(self.static.start_position),
                          start_heading=self.static.start_heading),
            "camera": dict(camera.params, kind=spec.camera.value),
            "lighting": {k: np.asarray(v).tolist() for k, v in dataclasses.asdict(self.lighting).items()},
            "actor": {"name": spec.actor, "height_m": DEFAULT_ACTOR_HEIGHT,
                      "appearance": dataclasses.asdict(self.appearance)},
            "physics": {"timestep_s": self.timestep, "substeps_per_frame": self.substeps},
        }
        return Take(
            fps=spec.fps, width=spec.width, height=spec.height, meshes=meshes,
            part_names=part_names, part_mesh=np.arange(P, dtype=np.int32),
            part_instance=part_instance, part_pos=part_pos, part_quat=part_quat,
            camera_K=camera.K, camera_world_to_camera=camera.world_to_camera,
            instances=instances, actors=[actor], meta=meta, **self.lighting.per_frame(T),
        ).validate()

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
from phav.body.clothing import outfit_from_appearance
from phav.body.presets import sample_actor
from phav.body.skin import build_skin
from phav.errors import SignatureError, SpecError
from phav.labels import class_id, instance_colors
from phav.motion.deepmimic import load_deepmimic
from phav.body.props import prop_mesh
from phav.physics import Humanoid, World
from phav.physics.variations import BLEND_CLIPS, Modifier, Prop, make_modifiers
from phav.seeding import video_rng
from phav.spec import VideoSpec
from phav.take import ActorTrack, Instance, Mesh, Take
from phav.worlds.cameras import check_camera, sample_rig
from phav.worlds.environments import build_environment
from phav.worlds.lighting import indoors, sample_lighting
from phav.worlds.weather import local_lights, sample_atmosphere

#: Physics rate the substep count is chosen for, Hz (an integer number of substeps per frame).
PHYSICS_RATE = 240.0


#: Contact impulse per kg of body mass (N s / kg, i.e. a sudden change of speed in m/s) from another
#: body within one physics step that turns the person into a ragdoll (a car, a heavy thrown object).
RAGDOLL_IMPULSE_PER_KG = 0.5


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
            check_camera(spec.environment, spec.camera)
            self.rig = sample_rig(spec.camera, video_rng(spec.seed, "camera"))
        except SpecError:
            raise
        except ValueError as exc:
            raise SpecError(str(exc)) from None
        self.lighting = sample_lighting(spec.day_phase, spec.weather, video_rng(spec.seed, "light"))
        if self.static.indoor:
            self.lighting = indoors(self.lighting)
        try:  # the actor preset, its body shape and appearance jittered from the seed
            self.body_shape, self.appearance = sample_actor(spec.actor, video_rng(spec.seed, "actor"))
        except ValueError as exc:
            raise SpecError(str(exc)) from None
        self.skeleton = self.body_shape.skeleton()
        self.substeps = substeps_per_frame(spec.fps)
        self.timestep = 1.0 / (spec.fps * self.substeps)

    @property
    def folder_name(self) -> str:
        """The video's PHAV folder name."""
        return self.spec.folder_name(self.clip_name)

    def simulate(self, check_signature: bool = True) -> Take:
        """Run the physics and return the take.

        The action's recipe builds the motion, props and events (its *stage*, run like the
        variations' modifiers) from the skeleton and the ``action`` generator.

        Raises:
            phav.physics.SimulationError: the simulation exploded (NaN, speed or penetration bound).
            SignatureError: the take does not show the action (unless ``check_signature`` is false).
        """
        spec = self.spec
        self.plan = self.recipe.plan(self.skeleton, video_rng(spec.seed, "action"), self.clip_name,
                                     spec.frames / spec.fps, spec)
        clip = self.plan.clip
        variations = self._modifiers()
        modifiers = list(self.plan.stage) + variations
        for modifier in modifiers:
            clip = modifier.clip(clip)
        props = [p for m in modifiers for p in m.props]
        states, prop_poses = [], []
        with World(timestep=self.timestep) as world:
            self.static.add_to_world(world)
            human = Humanoid(
                world, self.skeleton, clip,
                position=tuple(self.static.start_position), heading=self.static.start_heading,
                ragdoll_impulse=RAGDOLL_IMPULSE_PER_KG * self.skeleton.total_mass,
            )
            for modifier in modifiers:
                modifier.setup(world, human)
            actor_meshes = human.meshes(self.appearance)
            time_s = 0.0
            for frame in range(spec.frames):
                if frame:
                    for _ in range(self.substeps):
                        for modifier in modifiers:
                            modifier.before_step(world, human, time_s)
                        human.control(time_s)
                        world.step()
                        human.observe_impacts()
                        time_s += world.timestep
                    human.check()
                states.append(human.snapshot())
                prop_poses.append([p.pose(world) for p in props])
            self.variation_record = {m.letter: m.record for m in variations}
            self.action_record = dict(self.plan.style, **{k: v for m in self.plan.stage for k, v in m.record.items()})
            self.variation_record["impacts"] = [list(i) for i in human.impacts]
        take = self._assemble(states, actor_meshes, props, prop_poses)
        verdict = self.recipe.signature(take)
        take.meta["signature"] = {"ok": verdict.ok, "reason": verdict.reason}
        if check_signature and not verdict.ok:
            raise SignatureError(f"{spec.action} was not performed visibly ({verdict.reason}); try another seed")
        return take

    def _modifiers(self) -> list[Modifier]:
        """The variation's modifiers, drawn from the seed (``variation`` generator)."""
        rng = video_rng(self.spec.seed, "variation")
        letters = self.spec.variation.value
        second = None
        if "b" in letters:
            choices = [c for c in BLEND_CLIPS if c != self.clip_name]
            second = load_deepmimic(choices[int(rng.integers(len(choices)))], self.skeleton)
        return make_modifiers(letters, rng, self.spec.frames / self.spec.fps, second)

    # ---- take assembly ------------------------------------------------------------------------
    def _assemble(self, states: list[Any], actor_meshes: list[Mesh], props: list[Prop] = (),
                  prop_poses: list[list[tuple[np.ndarray, np.ndarray]]] = ()) -> Take:
        spec = self.spec
        T = len(states)
        person_id = 1
        color = tuple(int(c) for c in instance_colors(1)[person_id])
        instances = [Instance(person_id, spec.actor, class_id("Human"), color)]

        static_meshes = [mesh for _, mesh in self.static.meshes]
        link_names = states[0].link_names
        part_names = [name for name, _ in self.static.meshes] + [f"{spec.actor}/{n}" for n in link_names]
        n_static = len(static_meshes)
        P = len(part_names)
        # The person is one skinned, clothed mesh driven by its link parts (which draw nothing).
        bone_mesh = Mesh("bone", np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0), np.zeros((0, 3)))
        meshes = static_meshes + [bone_mesh]
        skin = build_skin(self.skeleton, outfit_from_appearance(self.appearance, getattr(self.body_shape, "female", 0.0)),
                          name=spec.actor)
        skin = dataclasses.replace(skin, bone_parts=[n_static + list(link_names).index(n) for n in self.skeleton.link_names])

        part_pos = np.zeros((T, P, 3))
        part_quat = np.zeros((T, P, 4))
        part_quat[..., 3] = 1.0
        part_pos[:, n_static:] = np.stack([s.link_pos for s in states])
        part_quat[:, n_static:] = np.stack([s.link_quat for s in states])
        part_instance = np.zeros(P, dtype=np.uint16)
        part_instance[n_static:] = person_id

        if props:  # props of the objects variation: extra parts with their own instances
            first_id = person_id + 1
            colours = instance_colors(first_id + len(props) - 1)
            for i, prop in enumerate(props):
                iid = first_id + i
                instances.append(Instance(iid, prop.name, class_id(prop.semantic),
                                          tuple(int(c) for c in colours[iid])))
                mesh = getattr(prop, "mesh", None)  # shaped props (phav.actions.objects) bring their own
                meshes.append(mesh if mesh is not None else prop_mesh(prop.name, prop.kind, prop.size, prop.colour,
                                                                      prop.semantic))
                part_names.append(f"prop/{prop.name}")
            part_instance = np.concatenate([part_instance, np.arange(first_id, first_id + len(props), dtype=np.uint16)])
            part_pos = np.concatenate([part_pos, np.array([[p for p, _ in f] for f in prop_poses])], axis=1)
            part_quat = np.concatenate([part_quat, np.array([[q for _, q in f] for f in prop_poses])], axis=1)
            P = len(part_names)

        if self.static.objects:  # the environment's objects (cars, benches, furniture): static instances
            first_id = max(inst.id for inst in instances) + 1
            objects = self.static.objects
            colours = instance_colors(first_id + len(objects) - 1)
            for i, obj in enumerate(objects):
                instances.append(Instance(first_id + i, obj.name, class_id(obj.label),
                                          tuple(int(c) for c in colours[first_id + i])))
                meshes.append(obj.mesh)
                part_names.append(f"world/{obj.name}")
            part_instance = np.concatenate([part_instance, np.arange(first_id, first_id + len(objects), dtype=np.uint16)])
            part_pos = np.concatenate([part_pos, np.broadcast_to([o.position for o in objects], (T, len(objects), 3))], axis=1)
            part_quat = np.concatenate([part_quat, np.broadcast_to([o.quat for o in objects], (T, len(objects), 4))], axis=1)
            P = len(part_names)

        # Static parts draw their meshes, the person's links the empty bone mesh, props theirs.
        part_mesh = np.array(list(range(n_static)) + [n_static] * len(link_names)
                             + list(range(n_static + 1, len(meshes))), dtype=np.int32)
        joint_names = list(states[0].joint_names)
        joints_3d = np.stack([s.joints_3d for s in states])
        pelvis = joints_3d[:, joint_names.index("pelvis")]
        camera = self.rig.track(pelvis, spec.fps, spec.width, spec.height, self.static)

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
            "clip_source": self.plan.source,
            "action": getattr(self, "action_record", {}),
            "world": dict(self.static.params, start_position=list(self.static.start_position),
                          start_heading=self.static.start_heading),
            "camera": dict(camera.params, kind=spec.camera.value),
            "lighting": {k: np.asarray(v).tolist() for k, v in dataclasses.asdict(self.lighting).items()},
            "actor": {"name": spec.actor, "height_m": self.body_shape.height,
                      "body_shape": dataclasses.asdict(self.body_shape),
                      "appearance": dataclasses.asdict(self.appearance)},
            "physics": {"timestep_s": self.timestep, "substeps_per_frame": self.substeps},
            "variation": dict(getattr(self, "variation_record", {}), letters=spec.variation.value),
        }
        return Take(
            fps=spec.fps, width=spec.width, height=spec.height, meshes=meshes,
            part_names=part_names, part_mesh=part_mesh, skins=[skin],
            part_instance=part_instance, part_pos=part_pos, part_quat=part_quat,
            camera_K=camera.K, camera_world_to_camera=camera.world_to_camera,
            instances=instances, actors=[actor], meta=meta, **self.lighting.per_frame(T),
            atmosphere=sample_atmosphere(spec.weather, self.lighting, T, video_rng(spec.seed, "weather"),
                                         indoor=self.static.indoor),
            lights=local_lights(self.static.lights, spec.day_phase, T, near=self.static.start_position),
        ).validate()

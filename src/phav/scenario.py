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
from phav.body.presets import preset_names, sample_actor
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


@dataclasses.dataclass(frozen=True)
class _Actor:
    """One person of the video: name in the take, preset, body, appearance, motion (``None``: the
    plan's main clip) and start (horizontal position, m; heading, rad)."""

    name: str
    preset: str
    skeleton: Any
    body_shape: Any
    appearance: Any
    clip: Any
    position: tuple[float, float]
    heading: float


class Scenario:
    """Everything sampled for one video, ready to simulate.

    Raises:
        SpecError: the spec is invalid or asks for something not available (the message says what).
    """

    def __init__(self, spec: VideoSpec) -> None:
        try:
            self.spec = spec.validate()
            self.recipe = get_action(spec.action)
            if spec.variation.value not in self.recipe.variations:
                raise SpecError(
                    f"action {spec.action} does not combine with variation {spec.variation.value!r}; "
                    f"its variations: {', '.join(sorted(self.recipe.variations))}")
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
        self.actors = [self._main_actor()]
        for i, companion in enumerate(self.plan.companions):
            self.actors.append(self._companion(i, companion, {a.name for a in self.actors}))
            if companion.main_motion is not None:  # the main motion fitted to the companion's body
                clip = companion.main_motion(self.actors[-1].skeleton)
        variations = self._modifiers()
        modifiers = list(self.plan.stage) + variations
        for modifier in modifiers:
            clip = modifier.clip(clip)
        props = [p for m in modifiers for p in m.props]
        states, prop_poses = [[] for _ in self.actors], []
        with World(timestep=self.timestep) as world:
            self.static.add_to_world(world)
            humans = [Humanoid(
                world, a.skeleton, clip if i == 0 else a.clip,
                position=a.position, heading=a.heading,
                ragdoll_impulse=RAGDOLL_IMPULSE_PER_KG * a.skeleton.total_mass,
            ) for i, a in enumerate(self.actors)]
            human = humans[0]
            for modifier in modifiers:
                modifier.setup(world, human)
            for modifier in modifiers:  # stage pieces acting between people (joined hands, hugs)
                if hasattr(modifier, "setup_actors"):
                    modifier.setup_actors(world, humans)
            time_s = 0.0
            for frame in range(spec.frames):
                if frame:
                    for _ in range(self.substeps):
                        for modifier in modifiers:
                            modifier.before_step(world, human, time_s)
                        for h in humans:
                            h.control(time_s)
                        world.step()
                        for h in humans:
                            h.observe_impacts()
                        time_s += world.timestep
                    for h in humans:
                        h.check()
                for track, h in zip(states, humans):
                    track.append(h.snapshot())
                prop_poses.append([p.pose(world) for p in props])
            self.variation_record = {m.letter: m.record for m in variations}
            self.action_record = dict(self.plan.style, **{k: v for m in self.plan.stage for k, v in m.record.items()})
            self.variation_record["impacts"] = [list(i) for i in human.impacts]
        take = self._assemble(states, props, prop_poses)
        verdict = self.recipe.signature(take)
        take.meta["signature"] = {"ok": verdict.ok, "reason": verdict.reason}
        if check_signature and not verdict.ok:
            needed = self.recipe.frames_needed(spec.fps)
            advice = (f"it needs about {self.recipe.duration:g} s: use --frames {needed} or more"
                      if spec.frames < needed else "try another seed")
            raise SignatureError(f"{spec.action} was not performed visibly ({verdict.reason}); {advice}")
        return take

    def _main_actor(self) -> "_Actor":
        return _Actor(self.spec.actor, self.spec.actor, self.skeleton, self.body_shape, self.appearance, None,
                      tuple(self.static.start_position), self.static.start_heading)

    def _companion(self, index: int, companion: Any, taken: set[str]) -> "_Actor":
        """The ``index``-th companion of the plan: preset, body and appearance from the seed
        (``actor<index + 2>`` generator), placed relative to the main actor's start; its name in the
        take is its preset's unless ``taken`` has that."""
        rng = video_rng(self.spec.seed, f"actor{index + 2}")
        names = preset_names()
        preset = companion.preset or names[int(rng.integers(len(names)))]
        try:
            shape, appearance = sample_actor(preset, rng)
        except ValueError as exc:
            raise SpecError(str(exc)) from None
        skeleton = shape.skeleton()
        yaw = self.static.start_heading
        c, s = np.cos(yaw), np.sin(yaw)
        x, y = companion.offset(skeleton) if callable(companion.offset) else companion.offset
        start = self.static.start_position
        position = (float(start[0] + c * x - s * y), float(start[1] + s * x + c * y))
        name = preset if preset not in taken else f"{preset}_{index + 2}"
        return _Actor(name, preset, skeleton, shape, appearance, companion.motion(skeleton), position,
                      yaw + float(companion.heading))

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
    def _assemble(self, states: list[list[Any]], props: list[Prop] = (),
                  prop_poses: list[list[tuple[np.ndarray, np.ndarray]]] = ()) -> Take:
        """The take from the per-actor snapshots ``states[actor][frame]`` (actors as ``self.actors``),
        the props and their poses ``prop_poses[frame][prop]``. People are instances ``1..N``."""
        spec = self.spec
        T = len(states[0])
        n_people = len(self.actors)
        colours = instance_colors(n_people)
        instances = [Instance(i + 1, a.name, class_id("Human"), tuple(int(c) for c in colours[i + 1]))
                     for i, a in enumerate(self.actors)]

        static_meshes = [mesh for _, mesh in self.static.meshes]
        part_names = [name for name, _ in self.static.meshes]
        n_static = len(static_meshes)
        # Each person is one skinned, clothed mesh driven by its link parts (which draw nothing).
        bone_mesh = Mesh("bone", np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0), np.zeros((0, 3)))
        meshes = static_meshes + [bone_mesh]
        skins, pos_blocks, quat_blocks = [], [np.zeros((T, n_static, 3))], [np.tile([0.0, 0.0, 0.0, 1.0], (T, n_static, 1))]
        part_instance = np.zeros(n_static, dtype=np.uint16)
        for i, (a, track) in enumerate(zip(self.actors, states)):
            link_names = list(track[0].link_names)
            first = len(part_names)
            part_names += [f"{a.name}/{n}" for n in link_names]
            skin = build_skin(a.skeleton, outfit_from_appearance(a.appearance, getattr(a.body_shape, "female", 0.0)),
                              name=a.name)
            skins.append(dataclasses.replace(skin, bone_parts=[first + link_names.index(n) for n in a.skeleton.link_names]))
            pos_blocks.append(np.stack([s.link_pos for s in track]))
            quat_blocks.append(np.stack([s.link_quat for s in track]))
            part_instance = np.concatenate([part_instance, np.full(len(link_names), i + 1, dtype=np.uint16)])
        n_links = len(part_names) - n_static
        part_pos = np.concatenate(pos_blocks, axis=1)
        part_quat = np.concatenate(quat_blocks, axis=1)
        P = len(part_names)
        person_id = n_people  # the last person's id: props number on from here

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
        part_mesh = np.array(list(range(n_static)) + [n_static] * n_links
                             + list(range(n_static + 1, len(meshes))), dtype=np.int32)
        actors = [ActorTrack(
            name=a.name,
            instance_id=i + 1,
            joint_names=list(track[0].joint_names),
            joints_3d=np.stack([s.joints_3d for s in track]),
            muscle_joints=list(track[0].muscle_joints),
            muscle_target=np.stack([s.muscle_target for s in track]),
            muscle_actual=np.stack([s.muscle_actual for s in track]),
            muscle_torque=np.stack([s.muscle_torque for s in track]),
            muscle_strength=np.stack([s.muscle_strength for s in track]),
            pin_weight=np.array([s.pin_weight for s in track], dtype=np.float64),
        ) for i, (a, track) in enumerate(zip(self.actors, states))]
        # The camera follows the people's mean pelvis (the main actor's alone when there is one).
        pelvis = np.mean([t.joints_3d[:, t.joint_names.index("pelvis")] for t in actors], axis=0)
        camera = self.rig.track(pelvis, spec.fps, spec.width, spec.height, self.static)
        meta = {
            "seed": spec.seed,
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
        if n_people > 1:
            meta["companions"] = [{"name": a.name, "preset": a.preset, "height_m": a.body_shape.height,
                                   "body_shape": dataclasses.asdict(a.body_shape),
                                   "appearance": dataclasses.asdict(a.appearance)} for a in self.actors[1:]]
        return Take(
            fps=spec.fps, width=spec.width, height=spec.height, meshes=meshes,
            part_names=part_names, part_mesh=part_mesh, skins=skins,
            part_instance=part_instance, part_pos=part_pos, part_quat=part_quat,
            camera_K=camera.K, camera_world_to_camera=camera.world_to_camera,
            instances=instances, actors=actors, meta=meta, **self.lighting.per_frame(T),
            atmosphere=sample_atmosphere(spec.weather, self.lighting, T, video_rng(spec.seed, "weather"),
                                         indoor=self.static.indoor),
            lights=local_lights(self.static.lights, spec.day_phase, T, near=self.static.start_position),
        ).validate()

"""A :class:`~phav.api.scene.Scene` simulated into a :class:`~phav.take.Take`.

Generalises :class:`phav.scenario.Scenario` to several people, user props, explicit cameras and
lights, with the same generator purposes for the first person, the world, the light, the weather
and the first camera, and the same part order; so a one-person scene made with
:meth:`Scene.from_spec` gives the CLI's take. Part order: the environment's stuff meshes, each
person's links, the actions' stage props, the user's props, the environment's objects. Instance
ids: people ``1..N``, then stage props, user props and environment objects.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from phav.actions import get_action
from phav.actions.registry import ActionPlan
from phav.api.cameras import camera_kind_name
from phav.api.scene import PERSON_SPACING, Person, Scene, _purpose, check_clip_joints
from phav.body.clothing import outfit_from_appearance
from phav.body.props import prop_mesh
from phav.body.skin import build_skin
from phav.errors import SignatureError, SpecError
from phav.labels import class_id, instance_colors
from phav.motion.deepmimic import load_deepmimic
from phav.physics import Humanoid, World
from phav.physics.variations import BLEND_CLIPS, make_modifiers
from phav.scenario import RAGDOLL_IMPULSE_PER_KG, substeps_per_frame
from phav.seeding import video_rng
from phav.spec import CameraKind, Environment
from phav.take import ActorTrack, Instance, LocalLights, Mesh, Take
from phav.worlds.cameras import sample_rig
from phav.worlds.environments import build_environment
from phav.worlds.lighting import indoors, sample_lighting
from phav.worlds.weather import local_lights, sample_atmosphere


def camera_object(scene: Scene, camera: Any, index: int) -> Any:
    """The camera object (with ``track``) of the scene's camera ``index``: kinds become rigs drawn
    from ``video_rng(seed, "camera")`` (``camera<i>`` after the first)."""
    if isinstance(camera, CameraKind):
        return sample_rig(camera, video_rng(scene.seed, _purpose("camera", index)))
    return camera


@dataclasses.dataclass
class _Actor:
    """One person while simulating."""

    person: Person
    skeleton: Any
    shape: Any
    appearance: Any
    plan: ActionPlan
    modifiers: list
    variations: list
    recipe: Any = None
    human: Any = None
    states: list = dataclasses.field(default_factory=list)


def _prepare(scene: Scene, person: Person, spec: Any, static: Any) -> _Actor:
    seed, duration = scene.seed, scene.frames / spec.fps
    shape, look = person.resolve_body(seed)
    skeleton = shape.skeleton()
    recipe = None
    if person.clip is not None:
        plan = ActionPlan(clip=person.clip, source=f"user clip {person.clip.name}")
    else:
        recipe = get_action(person.action)
        person_spec = spec.replace(action=person.action, actor=person.actor, clip=person.requested_clip,
                                   variation=person.variation)
        plan = recipe.plan(skeleton, video_rng(seed, _purpose("action", person.index)), person.clip_name,
                           duration, person_spec)
    check_clip_joints(plan.clip, skeleton)
    rng = video_rng(seed, _purpose("variation", person.index))
    letters = person.variation.value
    second = None
    if "b" in letters:
        choices = [c for c in BLEND_CLIPS if c != person.clip_name]
        second = load_deepmimic(choices[int(rng.integers(len(choices)))], skeleton)
    variations = make_modifiers(letters, rng, duration, second)
    return _Actor(person, skeleton, shape, look, plan, list(plan.stage) + variations, variations, recipe)


def _start(scene: Scene, person: Person, static: Any) -> tuple[tuple[float, float], float]:
    heading = static.start_heading if person.heading is None else person.heading
    if person.position is not None:
        return person.position, heading
    left = np.array([-np.sin(static.start_heading), np.cos(static.start_heading)])
    p = np.asarray(static.start_position, dtype=np.float64) + person.index * PERSON_SPACING * left
    return (float(p[0]), float(p[1])), heading


def simulate_scene(scene: Scene) -> Take:
    """Simulate ``scene`` (see :meth:`Scene.simulate`)."""
    if not scene.people:
        raise SpecError("the scene has no person; add one with scene.add_person(...)")
    spec = scene.spec
    try:
        static = build_environment(spec.environment, video_rng(spec.seed, "world"))
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    scene.static = static
    cameras = scene.cameras or [spec.camera]
    camera = camera_object(scene, cameras[0], 0)
    lighting = sample_lighting(spec.day_phase, spec.weather, video_rng(spec.seed, "light"))
    if static.indoor:
        lighting = indoors(lighting)
    actors = [_prepare(scene, p, spec, static) for p in scene.people]
    substeps = substeps_per_frame(spec.fps)
    timestep = 1.0 / (spec.fps * substeps)

    stage_props = [p for a in actors for m in a.modifiers for p in m.props]
    stage_poses, user_poses = [], []
    with World(timestep=timestep) as world:
        static.add_to_world(world)
        for a in actors:
            clip = a.plan.clip
            for modifier in a.modifiers:
                clip = modifier.clip(clip)
            position, heading = _start(scene, a.person, static)
            a.human = Humanoid(world, a.skeleton, clip, position=position, heading=heading,
                               ragdoll_impulse=RAGDOLL_IMPULSE_PER_KG * a.skeleton.total_mass)
            for modifier in a.modifiers:
                modifier.setup(world, a.human)
        for prop in scene.props:
            prop.create(world)
        time_s = 0.0
        for frame in range(spec.frames):
            if frame:
                for _ in range(substeps):
                    for a in actors:
                        for modifier in a.modifiers:
                            modifier.before_step(world, a.human, time_s)
                        a.human.control(time_s)
                    world.step()
                    for a in actors:
                        a.human.observe_impacts()
                    time_s += world.timestep
                for a in actors:
                    a.human.check()
            for a in actors:
                a.states.append(a.human.snapshot())
            stage_poses.append([p.pose(world) for p in stage_props])
            user_poses.append([pose for prop in scene.props for pose in prop.poses(world)])
        records = [(dict(a.plan.style, **{k: v for m in a.plan.stage for k, v in m.record.items()}),
                    dict({m.letter: m.record for m in a.variations}, impacts=[list(i) for i in a.human.impacts]))
                   for a in actors]
    take = _assemble(scene, spec, static, lighting, camera, actors, stage_props, stage_poses, user_poses, records)
    failures = []
    for i, a in enumerate(actors):
        if a.recipe is None:
            continue
        solo = dataclasses.replace(take, actors=[take.actors[i]])
        verdict = a.recipe.signature(solo)
        entry = {"ok": verdict.ok, "reason": verdict.reason}
        if i == 0:
            take.meta["signature"] = entry
        take.meta["scene"]["people"][i]["signature"] = entry
        if a.person.check_signature and not verdict.ok:
            failures.append(f"{a.person.name} ({a.person.action}): {verdict.reason}")
    if failures:
        raise SignatureError(f"action not performed visibly by {'; '.join(failures)}; try another seed "
                             "or add_person(..., check_signature=False)")
    return take


def _assemble(scene: Scene, spec: Any, static: Any, lighting: Any, camera: Any, actors: list[_Actor],
              stage_props: list, stage_poses: list, user_poses: list, records: list) -> Take:
    T = spec.frames
    instances: list[Instance] = []
    meshes: list[Mesh] = [mesh for _, mesh in static.meshes]
    part_names = [name for name, _ in static.meshes]
    n_static = len(meshes)
    bone = Mesh("bone", np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0), np.zeros((0, 3)))
    meshes.append(bone)
    part_mesh = list(range(n_static))
    part_instance = [0] * n_static
    pos_blocks = [np.zeros((T, n_static, 3))]
    quat_blocks = [np.tile([0.0, 0.0, 0.0, 1.0], (T, n_static, 1))]
    skins, tracks = [], []

    def add_instance(name: str, semantic: str) -> int:
        iid = len(instances) + 1
        instances.append(Instance(iid, name, class_id(semantic), (0, 0, 0)))
        return iid

    for a in actors:  # people: link parts drawing the empty bone mesh, and a skin each
        iid = add_instance(a.person.name, "Human")
        links = a.states[0].link_names
        first = len(part_names)
        part_names += [f"{a.person.name}/{n}" for n in links]
        part_mesh += [n_static] * len(links)
        part_instance += [iid] * len(links)
        pos_blocks.append(np.stack([s.link_pos for s in a.states]))
        quat_blocks.append(np.stack([s.link_quat for s in a.states]))
        skin = build_skin(a.skeleton, outfit_from_appearance(a.appearance, getattr(a.shape, "female", 0.0)),
                          name=a.person.name)
        skins.append(dataclasses.replace(skin, bone_parts=[first + list(links).index(n) for n in a.skeleton.link_names]))
        st = a.states
        tracks.append(ActorTrack(
            name=a.person.name, instance_id=iid, joint_names=list(st[0].joint_names),
            joints_3d=np.stack([s.joints_3d for s in st]), muscle_joints=list(st[0].muscle_joints),
            muscle_target=np.stack([s.muscle_target for s in st]), muscle_actual=np.stack([s.muscle_actual for s in st]),
            muscle_torque=np.stack([s.muscle_torque for s in st]),
            muscle_strength=np.stack([s.muscle_strength for s in st]),
            pin_weight=np.array([s.pin_weight for s in st], dtype=np.float64)))

    def add_parts(named_meshes: list[tuple[str, Mesh]], iid: int, pos: np.ndarray, quat: np.ndarray) -> None:
        for name, mesh in named_meshes:
            part_mesh.append(len(meshes))
            meshes.append(mesh)
            part_names.append(name)
            part_instance.append(iid)
        pos_blocks.append(pos)
        quat_blocks.append(quat)

    for k, prop in enumerate(stage_props):  # the actions' props (balls, held objects)
        iid = add_instance(prop.name, prop.semantic)
        add_parts([(f"prop/{prop.name}", prop_mesh(prop.name, prop.kind, prop.size, prop.colour, prop.semantic))], iid,
                  np.array([[f[k][0]] for f in stage_poses]), np.array([[f[k][1]] for f in stage_poses]))
    column = 0
    for prop in scene.props:  # the user's props
        iid = add_instance(prop.name, prop.semantic)
        parts = prop.part_meshes()
        cols = slice(column, column + len(parts))
        add_parts(parts, iid, np.array([[p for p, _ in f[cols]] for f in user_poses]).reshape(T, len(parts), 3),
                  np.array([[q for _, q in f[cols]] for f in user_poses]).reshape(T, len(parts), 4))
        column += len(parts)
    for obj in static.objects:  # the environment's objects: static instances
        iid = add_instance(obj.name, obj.label)
        add_parts([(f"world/{obj.name}", obj.mesh)], iid, np.broadcast_to(obj.position, (T, 1, 3)),
                  np.broadcast_to(obj.quat, (T, 1, 4)))
    colours = instance_colors(len(instances))
    instances = [dataclasses.replace(inst, color=tuple(int(c) for c in colours[inst.id])) for inst in instances]

    pelvis = tracks[0].joints_3d[:, tracks[0].joint_names.index("pelvis")]
    cam = camera.track(pelvis, spec.fps, spec.width, spec.height, static)
    first = actors[0]
    meta = {
        "seed": spec.seed,
        "clip": first.person.clip_name,
        "clip_source": first.plan.source,
        "action": records[0][0],
        "world": dict(static.params, start_position=list(static.start_position), start_heading=static.start_heading),
        "camera": dict(cam.params, kind=camera_kind_name(camera)),
        "lighting": {k: np.asarray(v).tolist() for k, v in dataclasses.asdict(lighting).items()},
        "actor": {"name": first.person.actor, "height_m": first.shape.height,
                  "body_shape": dataclasses.asdict(first.shape), "appearance": dataclasses.asdict(first.appearance)},
        "physics": {"timestep_s": 1.0 / (spec.fps * substeps_per_frame(spec.fps)),
                    "substeps_per_frame": substeps_per_frame(spec.fps)},
        "variation": dict(records[0][1], letters=spec.variation.value),
    }
    meta["scene"] = {
        "people": [{"name": a.person.name, "actor": a.person.actor, "action": a.person.action,
                    "clip": a.person.clip_name, "clip_source": a.plan.source, "style": rec[0], "variation": rec[1],
                    "body_shape": dataclasses.asdict(a.shape), "appearance": dataclasses.asdict(a.appearance)}
                   for a, rec in zip(actors, records)],
        "props": [{"name": p.name, "semantic": p.semantic, "kind": type(p).__name__,
                   "mass_kg": float(getattr(p, "mass", 0.0)), "position": p.position.tolist(), "quat": p.quat.tolist()}
                  for p in scene.props],
        "lights": [{"position": p.tolist(), "colour": c.tolist(), "radius": r} for p, c, r in scene.lights],
        "cameras": [c.value if isinstance(c, CameraKind) else camera_kind_name(c) for c in scene.cameras],
    }
    return Take(
        fps=spec.fps, width=spec.width, height=spec.height, meshes=meshes, part_names=part_names,
        part_mesh=np.asarray(part_mesh, dtype=np.int32), skins=skins,
        part_instance=np.asarray(part_instance, dtype=np.uint16),
        part_pos=np.concatenate(pos_blocks, axis=1), part_quat=np.concatenate(quat_blocks, axis=1),
        camera_K=cam.K, camera_world_to_camera=cam.world_to_camera, instances=instances, actors=tracks, meta=meta,
        **lighting.per_frame(T),
        atmosphere=sample_atmosphere(spec.weather, lighting, T, video_rng(spec.seed, "weather"), indoor=static.indoor),
        lights=_lights(scene, static, spec, T),
    ).validate()


def _lights(scene: Scene, static: Any, spec: Any, T: int) -> LocalLights | None:
    """The user's lights and the props' lamps first (the renderer keeps the first few), then the
    environment's lights that are on, nearest the start first."""
    own = [(p, c, r) for p, c, r in scene.lights]
    own += [(np.asarray(p, float), np.asarray(c, float), r) for prop in scene.props for p, c, r in prop.world_lights()]
    env = local_lights(static.lights, spec.day_phase, T, near=static.start_position)
    if not own:
        return env
    pos = np.repeat(np.array([p for p, _, _ in own])[None], T, axis=0)
    col = np.repeat(np.array([c for _, c, _ in own])[None], T, axis=0)
    rad = np.array([r for _, _, r in own], dtype=np.float64)
    if env is not None:
        pos, col = np.concatenate([pos, env.position], axis=1), np.concatenate([col, env.color], axis=1)
        rad = np.concatenate([rad, env.radius])
    return LocalLights(position=pos, color=col, radius=rad)

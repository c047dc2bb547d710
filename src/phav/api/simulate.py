"""A :class:`~phav.api.scene.Scene` simulated into a :class:`~phav.take.Take`.

The scene runs the CLI's steps (:mod:`phav.scenario`: world, lighting, each person's plan,
companions and variation modifiers, the physics loop; :func:`phav.assembly.assemble_take`) with
its own people, props, cameras and lights added. The first person uses the CLI's generator
purposes (``actor``, ``action``, ``variation``, ``clip``), as do the world, the light, the weather
and the first camera, so a one-person scene made with :meth:`Scene.from_spec` gives the CLI's take.

Part order: the environment's stuff meshes, each person's links (the scene's people in order, then
the companions their actions brought), the actions' stage props, the user's props, the
environment's objects. Instance ids follow the same order.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from phav.actions import get_action
from phav.actions.registry import ActionPlan
from phav.api.cameras import camera_kind_name
from phav.api.scene import PERSON_SPACING, Person, Scene, _purpose, check_clip_joints
from phav.assembly import PartGroup, assemble_take, person_meta
from phav.body.skin import DEFAULT_RESOLUTION
from phav.errors import SignatureError, SpecError
from phav.scenario import Performer, build_world, cast_lead, judge, run_physics, scene_lighting, \
    substeps_per_frame, variation_modifiers
from phav.seeding import video_rng
from phav.spec import CameraKind, VideoSpec
from phav.take import LocalLights, Take
from phav.worlds.cameras import CAMERA_TURN_KEY, fitted, record_size_factor, sample_rig, turned
from phav.worlds.views import in_view, record_view
from phav.worlds.weather import local_lights


def camera_object(scene: Scene, camera: Any, index: int, static: Any = None) -> Any:
    """The camera object (with ``track``) of the scene's camera ``index``: kinds become rigs drawn
    from ``video_rng(seed, "camera")`` (``camera.p<i>`` after the first), placed to see the first
    person from the sides its action asks for (:attr:`phav.actions.ActionRecipe.view`) given the
    environment ``static`` (its start heading); rigs and poses are used as given."""
    if isinstance(camera, CameraKind):
        rig = sample_rig(camera, video_rng(scene.seed, _purpose("camera", index)))
        view = _first_view(scene, camera)
        if view is not None and static is not None:
            rig = in_view(rig, view, _start(scene.people[0], static)[1], scene.frames / scene.spec.fps)
        return rig
    return camera


def people_heights(meta: dict[str, Any]) -> list[float]:
    """The standing heights (m) of everyone in a take from its ``meta``: the first person, the
    scene's other people and every companion."""
    heights = [meta["actor"]["height_m"]] + [c["height_m"] for c in meta.get("companions", [])]
    return heights + [p["body_shape"]["height"] for p in meta.get("scene", {}).get("people", [])]


def _first_view(scene: Scene, camera: Any) -> Any:
    """The view (:attr:`phav.actions.ActionRecipe.view`) of the first person's action when the first
    camera is drawn from a kind, else ``None``: an explicit rig or pose is used as given, and a
    person with its own clip has no action."""
    person = scene.people[0] if scene.people else None
    if not isinstance(camera, CameraKind) or person is None or person.action is None:
        return None
    return get_action(person.action).view


def _start(person: Person, static: Any) -> tuple[tuple[float, float], float]:
    """Start of ``person``: its own, or the environment's start moved left by its index times
    :data:`PERSON_SPACING`."""
    heading = static.start_heading if person.heading is None else person.heading
    if person.position is not None:
        return person.position, heading
    left = np.array([-np.sin(static.start_heading), np.cos(static.start_heading)])
    p = np.asarray(static.start_position, dtype=np.float64) + person.index * PERSON_SPACING * left
    return (float(p[0]), float(p[1])), heading


def _lead(scene: Scene, person: Person, spec: VideoSpec, static: Any, taken: set[str], camera: Any = None) -> Performer:
    """``person`` cast for the physics: body, plan (its action's, or its own clip), companions and
    variation modifiers, each from the person's generators; ``camera``: the first camera's rig,
    which an action may stage for (:class:`phav.actions.registry.BuildContext`)."""
    seed, duration, i = scene.seed, scene.frames / spec.fps, person.index
    shape, look = person.resolve_body(seed)
    skeleton = shape.skeleton()
    position, heading = _start(person, static)
    lead = Performer(person.name, person.actor, skeleton, shape, look, position, heading, clip_name=person.clip_name)
    if person.clip is not None:
        plan = ActionPlan(clip=person.clip, source=f"user clip {person.clip.name}")
    else:
        person_spec = spec.replace(action=person.action, actor=person.actor, clip=person.requested_clip,
                                   variation=person.variation)
        plan = get_action(person.action).plan(skeleton, video_rng(seed, _purpose("action", i)), person.clip_name,
                                              duration, person_spec, camera=camera)
    check_clip_joints(plan.clip, skeleton)
    cast_lead(lead, plan, lambda: variation_modifiers(person.variation.value, video_rng(seed, _purpose("variation", i)),
                                                      duration, person.clip_name, skeleton),
              seed, lambda k: _purpose(f"actor{k + 2}", i), taken)
    return lead


def simulate_scene(scene: Scene, skin_resolution: float = DEFAULT_RESOLUTION) -> Take:
    """Simulate ``scene`` (see :meth:`Scene.simulate`)."""
    if not scene.people:
        raise SpecError("the scene has no person; add one with scene.add_person(...)")
    spec = scene.spec
    static = build_world(spec)
    scene.static = static
    _check_starts_free(scene, static)
    cameras = scene.cameras or [spec.camera]
    camera = camera_object(scene, cameras[0], 0, static)
    view = _first_view(scene, cameras[0])
    lighting = scene_lighting(spec, static)
    taken = {p.name for p in scene.people}
    leads = [_lead(scene, p, spec, static, taken, camera) for p in scene.people]
    performers = leads + [c for lead in leads for c in lead.companions]
    substeps = substeps_per_frame(spec.fps)
    timestep = 1.0 / (spec.fps * substeps)
    stage_props, stage_poses, prop_poses = run_physics(static, performers, spec.frames, timestep, substeps, scene.props)
    camera = turned(camera, leads[0].action_record.get(CAMERA_TURN_KEY, 0.0))  # as the first person's action asks
    factor = 1.0
    if isinstance(cameras[0], CameraKind):  # a drawn rig, as near as the people's size asks (as the CLI's)
        camera, factor = fitted(camera, [p.body_shape.height for p in performers])
    take = assemble_take(spec, static, lighting, camera, camera_kind_name(camera), performers, stage_props,
                         stage_poses, timestep=timestep, substeps=substeps,
                         groups=_prop_groups(scene, prop_poses, spec.frames), lights=_lights(scene, static, spec),
                         extra_meta={"scene": _scene_meta(scene, leads)}, skin_resolution=skin_resolution)
    record_view(take, view, camera)
    record_size_factor(take.meta, factor)
    failures = []
    for i, (person, lead) in enumerate(zip(scene.people, leads)):
        if person.action is None:
            continue
        verdict = judge(get_action(person.action), _person_view(take, performers, lead, person))
        entry = {"ok": verdict.ok, "reason": verdict.reason}
        if i == 0:
            take.meta["signature"] = entry
        take.meta["scene"]["people"][i]["signature"] = entry
        if person.check_signature and not verdict.ok:
            failures.append(f"{person.name} ({person.action}): {verdict.reason}")
    if failures:
        raise SignatureError(f"action not performed visibly by {'; '.join(failures)}; try another seed "
                             "or add_person(..., check_signature=False)")
    return take


#: Heights (m) checked above a person's explicit start, and the clearance (m) they need from the
#: environment's buildings and objects (about a body's half width).
_START_COLUMN_M = np.arange(0.3, 1.8, 0.2)
_START_CLEARANCE_M = 0.1


def _check_starts_free(scene: Scene, static: Any) -> None:
    """Raise :class:`SpecError` for the first person whose own ``position`` lies inside one of the
    environment's buildings or objects (the physics would push the body out of it, or bury it)."""
    for person in scene.people:
        if person.position is None:
            continue
        x, y = person.position
        column = np.stack([np.full_like(_START_COLUMN_M, x), np.full_like(_START_COLUMN_M, y), _START_COLUMN_M], axis=1)
        if static.blocked(column, _START_CLEARANCE_M).any():
            sx, sy = (float(v) for v in static.start_position)
            raise SpecError(f"{person.name} ({person.action or 'own clip'}) starts inside a building or object of "
                            f"{scene.spec.environment.value} at ({x:g}, {y:g}); start it elsewhere (the environment's "
                            f"own start, ({sx:.2f}, {sy:.2f}), is free)")


def _person_view(take: Take, performers: list[Performer], lead: Performer, person: Person) -> Take:
    """``take`` as the CLI would have made it for ``person`` alone: its track and its companions',
    its records in the meta (what its action's signature check reads)."""
    if lead is performers[0] and len(performers) == 1 + len(lead.companions):
        return take  # the scene is the CLI's video
    group = [take.actors[performers.index(a)] for a in [lead, *lead.companions]]
    meta = {k: v for k, v in take.meta.items() if k != "companions"}
    meta.update(person_meta(lead, person.variation.value))
    return dataclasses.replace(take, actors=group, meta=meta)


def _prop_groups(scene: Scene, poses: list[list[tuple[np.ndarray, np.ndarray]]], T: int) -> list[PartGroup]:
    """The user's props as part groups, posed by ``poses[frame][part]`` (the props' parts in order)."""
    groups, column = [], 0
    for prop in scene.props:
        parts = prop.part_meshes()
        cols = slice(column, column + len(parts))
        groups.append(PartGroup(prop.name, prop.semantic, parts,
                                np.array([[p for p, _ in f[cols]] for f in poses]).reshape(T, len(parts), 3),
                                np.array([[q for _, q in f[cols]] for f in poses]).reshape(T, len(parts), 4)))
        column += len(parts)
    return groups


def _scene_meta(scene: Scene, leads: list[Performer]) -> dict[str, Any]:
    """``meta["scene"]``: the people as added (with their records), props, lights and cameras."""
    return {
        "contents_digest": scene.contents_digest(),
        "people": [{"name": p.name, "actor": p.actor, "action": p.action, "clip": p.clip_name,
                    "clip_source": a.plan.source, "style": a.action_record, "variation": a.variation_record,
                    "body_shape": dataclasses.asdict(a.body_shape), "appearance": dataclasses.asdict(a.appearance),
                    "companions": [c.name for c in a.companions]}
                   for p, a in zip(scene.people, leads)],
        "props": [{"name": p.name, "semantic": p.semantic, "kind": type(p).__name__,
                   "mass_kg": float(getattr(p, "mass", 0.0)), "position": p.position.tolist(), "quat": p.quat.tolist()}
                  for p in scene.props],
        "lights": [{"position": p.tolist(), "colour": c.tolist(), "radius": r} for p, c, r in scene.lights],
        "cameras": [c.value if isinstance(c, CameraKind) else camera_kind_name(c) for c in scene.cameras],
    }


def _lights(scene: Scene, static: Any, spec: VideoSpec) -> LocalLights | None:
    """The user's lights and the props' lamps first (the renderer keeps the first few), then the
    environment's lights that are on, nearest the start first."""
    T = spec.frames
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

"""Take assembly: the simulated people, props and world of one video put into a :class:`~phav.take.Take`.

One function, :func:`assemble_take`, shared by :class:`phav.scenario.Scenario` (the CLI's video) and
:meth:`phav.Scene.simulate` (custom scenes), so both give the same take for the same video.

Part order: the environment's stuff meshes, each person's links, the actions' stage props, the
extra groups (a scene's own props), the environment's objects. Instance ids follow the same order:
people ``1..N``, then stage props, extra groups and environment objects.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np

from phav.body.clothing import outfit_from_appearance
from phav.body.props import prop_mesh
from phav.body.skin import DEFAULT_RESOLUTION, build_skin
from phav.labels import class_id, instance_colors
from phav.seeding import video_rng
from phav.take import ActorTrack, Instance, LocalLights, Mesh, Take
from phav.worlds.weather import sample_atmosphere


@dataclasses.dataclass
class PartGroup:
    """Extra parts of one instance (a scene's prop): ``parts`` ``[(part name, Mesh)]`` posed by
    ``pos`` ``(T, len(parts), 3)`` metres and ``quat`` ``(T, len(parts), 4)`` xyzw."""

    name: str
    semantic: str
    parts: list[tuple[str, Mesh]]
    pos: np.ndarray
    quat: np.ndarray


def _track(name: str, instance_id: int, states: Sequence[Any]) -> ActorTrack:
    """The actor track of one person from its per-frame snapshots."""
    return ActorTrack(
        name=name,
        instance_id=instance_id,
        joint_names=list(states[0].joint_names),
        joints_3d=np.stack([s.joints_3d for s in states]),
        muscle_joints=list(states[0].muscle_joints),
        muscle_target=np.stack([s.muscle_target for s in states]),
        muscle_actual=np.stack([s.muscle_actual for s in states]),
        muscle_torque=np.stack([s.muscle_torque for s in states]),
        muscle_strength=np.stack([s.muscle_strength for s in states]),
        muscle_damping=np.stack([s.muscle_damping for s in states]),
        pin_weight=np.array([s.pin_weight for s in states], dtype=np.float64),
    )


def person_meta(lead: Any, letters: str) -> dict[str, Any]:
    """The records of one person the video or scene asked for (``lead``, a simulated
    :class:`phav.scenario.Performer`) with variation ``letters``: ``clip``, ``clip_source``,
    ``action``, ``actor``, ``variation`` and, when its action brought any, ``companions``. These are
    the keys the actions' signature checks read."""
    out = {
        "clip": lead.clip_name,
        "clip_source": lead.plan.source,
        "action": lead.action_record,
        "actor": {"name": lead.preset, "height_m": lead.body_shape.height,
                  "body_shape": dataclasses.asdict(lead.body_shape), "appearance": dataclasses.asdict(lead.appearance)},
        "variation": dict(lead.variation_record, letters=letters),
    }
    if lead.companions:
        out["companions"] = [companion_meta(a) for a in lead.companions]
    return out


def companion_meta(a: Any) -> dict[str, Any]:
    """The record of a companion an action brought: name, preset, height (m), body and appearance."""
    return {"name": a.name, "preset": a.preset, "height_m": a.body_shape.height,
            "body_shape": dataclasses.asdict(a.body_shape), "appearance": dataclasses.asdict(a.appearance)}


def video_meta(spec: Any, static: Any, lighting: Any, camera_params: dict, camera_kind: str,
               performers: Sequence[Any], timestep: float, substeps: int) -> dict[str, Any]:
    """The take's ``meta`` record: seed, the first person's records (:func:`person_meta`), world,
    camera, lighting and physics; ``companions`` lists those of every person."""
    lead = person_meta(performers[0], spec.variation.value)
    meta = {
        "seed": spec.seed,
        "clip": lead["clip"],
        "clip_source": lead["clip_source"],
        "action": lead["action"],
        "world": dict(static.params, start_position=list(static.start_position), start_heading=static.start_heading),
        "camera": dict(camera_params, kind=camera_kind),
        "lighting": {k: np.asarray(v).tolist() for k, v in dataclasses.asdict(lighting).items()},
        "actor": lead["actor"],
        "physics": {"timestep_s": timestep, "substeps_per_frame": substeps},
        "variation": lead["variation"],
    }
    companions = [c for p in performers for c in p.companions]
    if companions:
        meta["companions"] = [companion_meta(c) for c in companions]
    return meta


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name_2``, ``name_3``, ... the first not in ``taken``; added to ``taken``."""
    out, k = name, 2
    while out in taken:
        out, k = f"{name}_{k}", k + 1
    taken.add(out)
    return out


def assemble_take(spec: Any, static: Any, lighting: Any, camera: Any, camera_kind: str, performers: Sequence[Any],
                  stage_props: Sequence[Any], stage_poses: Sequence[Sequence[tuple[np.ndarray, np.ndarray]]], *,
                  timestep: float, substeps: int, groups: Sequence[PartGroup] = (),
                  lights: LocalLights | None = None, extra_meta: dict[str, Any] | None = None,
                  skin_resolution: float = DEFAULT_RESOLUTION) -> Take:
    """The take of a simulated video.

    Args:
        spec: the video's :class:`~phav.spec.VideoSpec` (size, fps, seed, weather, variation).
        static: the environment (:class:`~phav.worlds.scene.StaticScene`).
        lighting: the sampled :class:`~phav.worlds.lighting.Lighting`.
        camera: an object with ``track(pelvis (T, 3), fps, width, height, static)``; it follows the
            mean pelvis of the first person and its companions.
        camera_kind: the camera's name recorded in ``meta["camera"]["kind"]``.
        performers: the simulated people (:class:`phav.scenario.Performer`, ``states`` filled), in
            instance order; the first is the video's main person.
        stage_props: the actions' props, posed by ``stage_poses[frame][prop]`` ``(pos (3,), quat (4,))``.
        timestep, substeps: the physics step (s) and substeps per frame, recorded in the meta.
        groups: extra instances (a scene's props), after the stage props.
        lights: the take's local lights (``None``: none).
        extra_meta: keys added to ``meta`` after the video's own.
        skin_resolution: grid spacing of the people's skins, metres (:func:`phav.body.skin.build_skin`).
    """
    T = len(performers[0].states)
    instances: list[Instance] = []
    meshes: list[Mesh] = [mesh for _, mesh in static.meshes]
    part_names = [name for name, _ in static.meshes]
    n_static = len(meshes)
    # Each person is one skinned, clothed mesh driven by its link parts, which draw this empty mesh.
    meshes.append(Mesh("bone", np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0), np.zeros((0, 3))))
    part_mesh = list(range(n_static))
    part_instance = [0] * n_static
    pos_blocks = [np.zeros((T, n_static, 3))]
    quat_blocks = [np.tile([0.0, 0.0, 0.0, 1.0], (T, n_static, 1))]
    skins, tracks = [], []

    def add_instance(name: str, semantic: str) -> int:
        """A new instance, named once in the take (:func:`unique_name`: two balls, an action's and
        a variation's, are ``ball`` and ``ball_2``)."""
        iid = len(instances) + 1
        instances.append(Instance(iid, unique_name(name, names_taken), class_id(semantic), (0, 0, 0)))
        return iid

    names_taken: set[str] = set()

    for a in performers:
        iid = add_instance(a.name, "Human")
        links = list(a.states[0].link_names)
        first = len(part_names)
        part_names += [f"{a.name}/{n}" for n in links]
        part_mesh += [n_static] * len(links)
        part_instance += [iid] * len(links)
        pos_blocks.append(np.stack([s.link_pos for s in a.states]))
        quat_blocks.append(np.stack([s.link_quat for s in a.states]))
        skin = build_skin(a.skeleton, outfit_from_appearance(a.appearance, getattr(a.body_shape, "female", 0.0)),
                          skin_resolution, name=a.name)
        skins.append(dataclasses.replace(skin, bone_parts=[first + links.index(n) for n in a.skeleton.link_names]))
        tracks.append(_track(a.name, iid, a.states))

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
        mesh = getattr(prop, "mesh", None)  # shaped props (phav.actions.objects) bring their own
        if mesh is None:
            mesh = prop_mesh(prop.name, prop.kind, prop.size, prop.colour, prop.semantic)
        add_parts([(f"prop/{instances[iid - 1].name}", mesh)], iid,
                  np.array([[f[k][0]] for f in stage_poses]).reshape(T, 1, 3),
                  np.array([[f[k][1]] for f in stage_poses]).reshape(T, 1, 4))
    for group in groups:
        add_parts(group.parts, add_instance(group.name, group.semantic), group.pos, group.quat)
    for obj in static.objects:  # the environment's objects (cars, benches, furniture): static instances
        iid = add_instance(obj.name, obj.label)
        add_parts([(f"world/{obj.name}", obj.mesh)], iid, np.broadcast_to(obj.position, (T, 1, 3)),
                  np.broadcast_to(obj.quat, (T, 1, 4)))
    colours = instance_colors(len(instances))
    instances = [dataclasses.replace(inst, color=tuple(int(c) for c in colours[inst.id])) for inst in instances]

    group0 = [0] + [performers.index(c) for c in performers[0].companions]
    pelvis = np.mean([tracks[i].joints_3d[:, tracks[i].joint_names.index("pelvis")] for i in group0], axis=0)
    cam = camera.track(pelvis, spec.fps, spec.width, spec.height, static)
    atmosphere = sample_atmosphere(spec.weather, lighting, T, video_rng(spec.seed, "weather"), indoor=static.indoor)
    meta = video_meta(spec, static, lighting, cam.params, camera_kind, performers, timestep, substeps)
    meta["atmosphere"] = atmosphere.record()
    meta.update(extra_meta or {})
    return Take(
        fps=spec.fps, width=spec.width, height=spec.height, meshes=meshes, part_names=part_names,
        part_mesh=np.asarray(part_mesh, dtype=np.int32), skins=skins,
        part_instance=np.asarray(part_instance, dtype=np.uint16),
        part_pos=np.concatenate(pos_blocks, axis=1), part_quat=np.concatenate(quat_blocks, axis=1),
        camera_K=cam.K, camera_world_to_camera=cam.world_to_camera, instances=instances, actors=tracks, meta=meta,
        **lighting.per_frame(T),
        atmosphere=atmosphere,
        lights=lights,
    ).validate()

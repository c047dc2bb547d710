"""Scene: a custom scene built from Python, simulated into a :class:`~phav.take.Take`.

    import phav
    scene = phav.Scene(environment="Plain", day_phase="Dusk", frames=30, size=(160, 120), seed=3)
    scene.add_person("Walk", actor="Model_Woman01")
    scene.add_prop("chair.obj", semantic="Chair", position=(2.0, 0.5, 0.0), mass=6.0)
    scene.add_camera(phav.CameraPoses.look_at(eye=(4, -3, 1.6), target=(1, 0, 1)))
    take = scene.simulate()
    for frame in phav.render_frames(take, modalities=("img", "depth")):
        ...  # frame.img (H, W, 3) uint8, frame.depth (H, W) float32 metres

Every random choice comes from generators derived from the scene's ``seed`` (``phav.seeding``), so
the same scene and seed give the same take. A scene with one person, a registered action and a rig
is the CLI's video: ``Scene.from_spec(spec).simulate()`` equals ``Scenario(spec).simulate()``.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from phav.api.cameras import CameraPoses
from phav.api.meshes import MeshFileError, load_mesh
from phav.api.props import MeshProp, UrdfProp, _quat, make_builtin_prop
from phav.assembly import unique_name
from phav.body.anthropometry import BodyShape
from phav.body.appearance import Appearance
from phav.body.presets import get_preset, sample_actor
from phav.errors import SpecError
from phav.labels import class_id
from phav.motion.clip import Clip
from phav.seeding import video_rng
from phav.spec import CameraKind, DayPhase, Environment, Variation, VideoSpec, Weather
from phav.take import Mesh, Take

#: Spacing of people placed without a position: beside the first person, to its left, metres.
PERSON_SPACING = 1.5
#: Body choices besides explicit values.
BODY_MODES = ("sampled", "preset")


def _purpose(base: str, index: int) -> str:
    """Generator purpose of person (or camera) ``index``: the CLI's ``base`` for index 0 (same seed,
    same video), ``base.p<index>`` after it (never one of the CLI's purposes such as ``actor2``)."""
    return base if index == 0 else f"{base}.p{index}"


def _size(size: Any) -> tuple[int, int]:
    """``size`` as ``(width, height)`` whole pixels; a :class:`SpecError` saying so for anything else."""
    if not isinstance(size, str):
        try:
            w, h = size
            if int(w) == w and int(h) == h:
                return int(w), int(h)
        except (TypeError, ValueError, OverflowError):
            pass
    raise SpecError(f"size must be (width, height) in whole pixels, e.g. size=(320, 240); got {size!r}")


def _vector(what: str, value: Any, n: int, meaning: str) -> np.ndarray:
    """``value`` as a finite ``(n,)`` float64 array; a :class:`SpecError` naming ``what``, its
    ``meaning`` (form and unit) and the shape otherwise."""
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        a = np.zeros(0)
    if a.shape != (n,) or not np.all(np.isfinite(a)):
        raise SpecError(f"{what} must be {meaning}, shape ({n},); got {value!r}")
    return a


def check_clip_joints(clip: Clip, skeleton: Any) -> None:
    """Raise ``SpecError`` when ``clip`` animates joints the skeleton lacks or misses actuated ones.

    The message names the offending joints and lists the skeleton's actuated joints.
    """
    joints = list(skeleton.actuated_joints)
    extra = [j for j in clip.joint_names if j not in joints]
    missing = [j for j in joints if j not in clip.joint_names]
    if extra or missing:
        what = []
        if extra:
            what.append(f"references joints the skeleton lacks: {', '.join(extra)}")
        if missing:
            what.append(f"has no track for joints: {', '.join(missing)}")
        raise SpecError(f"motion {clip.name!r} {'; '.join(what)}; the skeleton's joints are {', '.join(joints)}")


def _feed(h: Any, x: Any, depth: int = 0) -> None:
    """Feed ``x`` into the hash ``h`` by content: numbers, strings, enumerations, arrays (dtype,
    shape, bytes), files (path and bytes), dataclasses and plain objects (public attributes),
    dicts, lists and tuples, each tagged with its type."""
    if depth > 16:
        raise ValueError("scene contents nest too deeply to name the folder")
    if isinstance(x, enum.Enum):
        x = x.value
    if x is None or isinstance(x, (bool, str)):
        h.update(f"{type(x).__name__}:{str(x)!r};".encode())
    elif isinstance(x, (int, np.integer)):
        h.update(f"int:{int(x)};".encode())
    elif isinstance(x, (float, np.floating)):
        h.update(f"float:{float(x).hex()};".encode())
    elif isinstance(x, np.ndarray):
        h.update(f"array:{x.dtype.str}:{x.shape};".encode())
        h.update(np.ascontiguousarray(x).tobytes())
    elif isinstance(x, Path):
        h.update(f"path:{x};".encode())
        if x.is_file():
            h.update(x.read_bytes())
    elif isinstance(x, Mapping):
        h.update(f"dict:{len(x)};".encode())
        for key in sorted(x, key=str):
            _feed(h, str(key), depth + 1)
            _feed(h, x[key], depth + 1)
    elif isinstance(x, (list, tuple)):
        h.update(f"list:{len(x)};".encode())
        for item in x:
            _feed(h, item, depth + 1)
    elif dataclasses.is_dataclass(x) or hasattr(x, "__dict__"):
        fields = ({f.name: getattr(x, f.name) for f in dataclasses.fields(x)} if dataclasses.is_dataclass(x)
                  else {k: v for k, v in vars(x).items() if not k.startswith("_")})
        h.update(f"object:{type(x).__module__}.{type(x).__qualname__};".encode())
        _feed(h, fields, depth + 1)
    else:
        raise TypeError(f"cannot name a scene holding a {type(x).__name__}; use numbers, arrays, meshes or dataclasses")


@dataclasses.dataclass
class Person:
    """A person of a scene (see :meth:`Scene.add_person`)."""

    index: int
    name: str
    actor: str
    action: str | None
    clip: Clip | None
    clip_name: str
    requested_clip: str
    label: str
    body: Any
    appearance: Appearance | None
    position: tuple[float, float] | None
    heading: float | None
    variation: Variation
    check_signature: bool

    def resolve_body(self, seed: int) -> tuple[BodyShape, Appearance]:
        """The person's body shape and appearance (drawn from the seed for ``"sampled"``)."""
        preset = get_preset(self.actor)
        if isinstance(self.body, BodyShape):
            shape, look = self.body, preset.appearance
        elif self.body == "preset":
            shape, look = preset.shape, preset.appearance
        else:
            shape, look = sample_actor(self.actor, video_rng(seed, _purpose("actor", self.index)))
        return shape, self.appearance or look


class Scene:
    """A custom scene: environment, lighting, people, props, cameras and lights.

    Args:
        environment: one of :class:`~phav.spec.Environment` (``Plain`` is the empty stage: grass and a
            road) or a name registered with :func:`phav.plugins.register_environment`.
        day_phase, weather: as the CLI's options.
        frames, fps: length and frame rate of the simulation.
        size: output ``(width, height)`` in pixels (a pair of whole numbers, not a ``"WxH"`` string).
        seed: every random choice derives from it.
        batch: the ``bNNNN`` prefix of the folder :meth:`write` makes.

    Raises:
        SpecError: an unknown value, an out-of-range number (the message lists the valid ones), or a
            ``size`` that is not ``(width, height)``.
    """

    def __init__(self, environment: str | Environment = "Plain", day_phase: str | DayPhase = "Day",
                 weather: str | Weather = "Clear", *, frames: int = 60, fps: float = 30.0,
                 size: tuple[int, int] = (340, 256), seed: int = 0, batch: int = 0) -> None:
        width, height = _size(size)
        try:
            self._base = VideoSpec(environment=environment, day_phase=day_phase, weather=weather, frames=frames,
                                   fps=fps, width=width, height=height, seed=seed, batch=batch).validate()
        except (TypeError, ValueError) as exc:
            raise SpecError(str(exc)) from None
        self.people: list[Person] = []
        self.props: list[MeshProp | UrdfProp] = []
        self.cameras: list[Any] = []
        self.lights: list[tuple[np.ndarray, np.ndarray, float]] = []
        self._names: set[str] = set()

    # ---- the spec view ------------------------------------------------------------------------
    @classmethod
    def from_spec(cls, spec: VideoSpec) -> "Scene":
        """The CLI's video as a scene: one person doing ``spec.action`` filmed by ``spec.camera``."""
        from phav.worlds.cameras import check_camera

        check_camera(spec.environment, spec.camera)
        scene = cls(spec.environment, spec.day_phase, spec.weather, frames=spec.frames, fps=spec.fps,
                    size=(spec.width, spec.height), seed=spec.seed, batch=spec.batch)
        scene.add_person(spec.action, actor=spec.actor, clip=spec.clip or None, variation=spec.variation)
        scene.add_camera(spec.camera)
        return scene

    @property
    def spec(self) -> VideoSpec:
        """The scene as a :class:`VideoSpec` (first person's action, clip and actor; first camera's
        kind, ``Tripod`` for explicit poses): what :meth:`write` names the folder after and records."""
        changes: dict[str, Any] = {}
        if self.people:
            p = self.people[0]
            changes.update(action=p.label, clip=p.requested_clip, actor=p.actor, variation=p.variation)
        camera = self.cameras[0] if self.cameras else None
        if isinstance(camera, (str, CameraKind)):
            changes["camera"] = CameraKind.parse(camera) if isinstance(camera, str) else camera
        elif camera is not None:
            from phav.api.cameras import camera_kind_name

            name = camera_kind_name(camera)
            changes["camera"] = name if name in {k.value for k in CameraKind} else CameraKind.TRIPOD
        elif self._base.environment == Environment.HOUSE:
            changes["camera"] = CameraKind.INDOOR
        return self._base.replace(**changes)

    def contents_digest(self) -> str:
        """32 hex digits of what the scene holds beyond its spec's fields: each person (actor,
        action or own motion, clip, body, appearance, start, variation, name), each prop (mesh or
        URDF file by content, pose, physics), the cameras and the lights. Same contents, same digest."""
        people = [{"name": p.name, "actor": p.actor, "action": p.action, "clip": p.clip, "clip_name": p.clip_name,
                   "requested_clip": p.requested_clip, "label": p.label, "body": p.body, "appearance": p.appearance,
                   "position": p.position, "heading": p.heading, "variation": p.variation} for p in self.people]
        props = [{"type": type(p).__name__, **{f.name: getattr(p, f.name) for f in dataclasses.fields(p)
                                               if f.name != "body"}} for p in self.props]  # body: PyBullet's id
        h = hashlib.sha256()
        _feed(h, {"people": people, "props": props, "cameras": self.cameras or [self.spec.camera],
                  "lights": self.lights})
        return h.hexdigest()[:32]

    def folder_name(self, resolved_clip: str | None = None) -> str:
        """The PHAV folder name :meth:`write` gives the video.

        A scene that is its spec's own (what :meth:`from_spec` makes of :attr:`spec`: one person as
        the CLI makes it, the spec's camera, no props or lights) has the spec's name, so it writes
        the CLI's folder. Any other scene keeps the fields of the spec's name
        (``bNNNN-Env-DayPhase-Weather-Clip-Actor-Camera-Variation-<id>``) with an id that hashes the
        spec's id and :meth:`contents_digest`, so scenes that differ only in people, props, cameras
        or lights get different folders.
        """
        spec = self.spec
        name = spec.folder_name(resolved_clip)
        try:
            own = Scene.from_spec(spec).contents_digest() == self.contents_digest()
        except SpecError:  # the spec alone is not a video (e.g. explicit poses in the House)
            own = False
        if own:
            return name
        video_id = spec.video_id(resolved_clip)
        digest = hashlib.sha256(f"{video_id}:{self.contents_digest()}".encode()).hexdigest()[:len(video_id)]
        return name[:-len(video_id)] + digest

    @property
    def frames(self) -> int:
        """Length of the simulation, video frames (at :attr:`spec`'s ``fps``)."""
        return self._base.frames

    @property
    def seed(self) -> int:
        """The seed every random choice of the scene derives from (``phav.seeding``)."""
        return self._base.seed

    def _unique(self, name: str) -> str:
        return unique_name(name, self._names)

    # ---- people -------------------------------------------------------------------------------
    def add_person(self, action: str | None = "Walk", *, clip: Clip | str | None = None,
                   actor: str = "Model_Default", body: BodyShape | Mapping[str, float] | str = "sampled",
                   appearance: Appearance | None = None, position: tuple[float, float] | None = None,
                   heading: float | None = None, variation: str | Variation = "n", label: str | None = None,
                   name: str | None = None, check_signature: bool = True) -> Person:
        """Add a person doing a registered action or the user's own motion.

        Args:
            action: a registered action class (``phav-render list actions``); ``None`` with a
                :class:`~phav.motion.clip.Clip` in ``clip``.
            clip: a motion name of the action (default: drawn from the seed), or the user's own
                ``Clip`` on the project skeleton (``phav.motion.retarget.retarget`` adapts one made
                for another body).
            actor: the preset giving the appearance (and the body unless ``body`` says otherwise).
            body: ``"sampled"`` (the preset jittered from the seed, as the CLI), ``"preset"`` (exactly
                the preset), a :class:`~phav.body.anthropometry.BodyShape`, or a dict of its fields
                (``{"height": 1.6, "mass": 55}``; the rest from the preset).
            appearance: colours and clothes (default: the preset's).
            position, heading: start on the ground ``(x, y)`` metres (no ``z``: a person starts
                standing on the ground), facing ``heading`` radians from +X. Default: the
                environment's start for the first person, then beside it.
            variation: PHAV motion variation letters (``n``, ``w``, ``p``, ``b``, ``o``); a
                registered action takes only those it declares (``phav-render list actions``).
            label: class name the video is filed under when this is the first person (default: the
                action, or the clip's name).
            name: instance name (default: the actor; made unique).
            check_signature: :meth:`simulate` raises ``SignatureError`` when a registered action's
                signature check fails (user motions have none).

        Raises:
            SpecError: unknown action, actor, clip or variation; a body out of range; a motion that
                references joints the skeleton lacks; a ``position`` that is not ``(x, y)`` (each
                message says what is valid).
        """
        from phav.actions import get_action
        from phav.scenario import check_variation

        index = len(self.people)
        start = None if position is None else _vector("add_person: position", position, 2,
                                                      "(x, y) on the ground in metres (no z: people start on the ground)")
        try:
            preset = get_preset(actor)
            if isinstance(body, Mapping):
                body = dataclasses.replace(preset.shape, **dict(body)).validate()
            elif isinstance(body, BodyShape):
                body = body.validate()
            elif body not in BODY_MODES:
                raise ValueError(f"body must be a BodyShape, a dict of its fields, or one of {', '.join(BODY_MODES)}; got {body!r}")
            variation = Variation.parse(variation) if not isinstance(variation, Variation) else variation
            if isinstance(clip, Clip):
                if action is not None:
                    raise ValueError("give either a registered action or your own Clip, not both (action=None)")
                check_clip_joints(clip, preset.shape.skeleton())
                clip_name, own = clip.name, clip
            else:
                if action is None:
                    raise ValueError("a person needs an action (phav-render list actions) or a Clip")
                recipe = get_action(action)
                check_variation(recipe, variation.value)
                if clip and clip not in recipe.clips:
                    raise ValueError(f"action {action} has no clip {clip!r}; its clips: {', '.join(recipe.clips)}")
                if clip:
                    clip_name = clip
                else:  # as the CLI: drawn from the seed among the action's clips
                    rng = video_rng(self._base.seed, _purpose("clip", index))
                    clip_name = recipe.clips[int(rng.integers(len(recipe.clips)))]
                own = None
            label = label or (action if action is not None else clip_name)
            VideoSpec(action=label, clip=clip_name, actor=actor).validate()
        except SpecError:
            raise
        except (TypeError, ValueError) as exc:
            raise SpecError(str(exc)) from None
        requested = clip_name if own is not None else (clip or "")
        person = Person(index, self._unique(name or actor), actor, action, own, clip_name, requested, label, body,
                        appearance,
                        None if start is None else (float(start[0]), float(start[1])),
                        None if heading is None else float(heading), variation, check_signature)
        self.people.append(person)
        return person

    # ---- props --------------------------------------------------------------------------------
    def add_prop(self, source: str | Path | Mesh, *, semantic: str | None = None,
                 position: Sequence[float] | np.ndarray = (0.0, 0.0, 0.0), yaw: float = 0.0,
                 quat: Sequence[float] | np.ndarray | None = None, mass: float = 0.0, collision: str = "box",
                 friction: float = 0.7, restitution: float = 0.2,
                 velocity: Sequence[float] | np.ndarray = (0.0, 0.0, 0.0), scale: float = 1.0, up: str | None = None,
                 colour: Sequence[float] | np.ndarray | None = None,
                 size: float | Sequence[float] | np.ndarray | None = None,
                 fixed: bool | None = None, name: str | None = None) -> MeshProp | UrdfProp:
        """Add a prop: a built-in one, the user's mesh file (OBJ, glTF/GLB), a URDF model or a ``Mesh``.

        Args:
            source: a built-in name (:func:`phav.api.props.builtin_prop_names`: ``ball``, ``box``,
                ``chair``, ``car``, ...), a path ending in ``.obj``, ``.gltf``, ``.glb`` or ``.urdf``,
                or a :class:`~phav.take.Mesh`.
            semantic: PHAV class of the prop (required for files and meshes; built-ins have theirs).
            position: ``(3,)`` world position of the prop's frame (built-ins: the point under them
                on the ground), metres. ``yaw`` (radians about +Z) or ``quat`` ``(4,)`` (xyzw) turn it.
            mass: kg; 0 is static. ``collision``: ``box``, ``convex`` or ``none`` (mesh props).
            friction, restitution, velocity: contact properties and the initial velocity ``(3,)`` (m/s).
            scale: file units to metres; ``up``: ``"z"`` or ``"y"`` (file axis convention).
            colour: ``(3,)`` linear RGB albedo in ``[0, 1]`` for triangles without colour (and ``ball``/``box``).
            size: ``ball`` radius ``r`` or ``(r,)``, or ``box`` full extents ``(3,)``, metres.
            fixed: URDF only: pin its base (default: when ``mass`` is 0).

        Raises:
            MeshFileError: the file does not exist or does not parse (the message names file and line).
            SpecError: ``position``, ``quat``, ``velocity``, ``colour`` or ``size`` of the wrong shape
                (the message names the argument and the shape and unit it takes).
            ValueError: an unknown semantic class (the message lists the valid ones) or built-in name.
        """
        position = _vector("add_prop: position", position, 3, "(x, y, z) in metres")
        velocity = _vector("add_prop: velocity", velocity, 3, "(vx, vy, vz) in m/s")
        if quat is not None:
            quat = _vector("add_prop: quat", quat, 4, "a rotation (x, y, z, w)")
            if not np.linalg.norm(quat) > 0:
                raise SpecError(f"add_prop: quat must be a rotation (x, y, z, w), not zero; got {quat.tolist()}")
        if colour is not None:
            _vector("add_prop: colour", colour, 3, "linear RGB (r, g, b) in [0, 1]")
        quat = _quat(yaw, quat)
        index = len(self.props)
        if isinstance(source, Mesh):
            if semantic is None:
                raise ValueError("a Mesh prop needs semantic=<PHAV class>")
            class_id(semantic)
            mesh, label, lights, default_name = source, semantic, [], source.name
        else:
            text = str(source)
            suffix = Path(text).suffix.lower()
            if suffix == ".urdf":
                if semantic is None:
                    raise ValueError(f"prop {text}: give semantic=<PHAV class> for a URDF model")
                prop = UrdfProp(self._unique(name or Path(text).stem), semantic, Path(text), position,
                                quat, fixed=(mass == 0) if fixed is None else bool(fixed), scale=scale,
                                colour=tuple(colour) if colour is not None else (0.5, 0.5, 0.5))
                self.props.append(prop)
                return prop
            if suffix:
                if semantic is None:
                    raise ValueError(f"prop {text}: give semantic=<PHAV class> for a mesh file")
                mesh = load_mesh(text, semantic, colour=colour, scale=scale, up=up)
                label, lights, default_name = semantic, [], Path(text).stem
            else:
                options = {k: v for k, v in (("size", size), ("colour", colour)) if v is not None}
                label, mesh, lights = make_builtin_prop(text, video_rng(self._base.seed, f"prop{index}"), options,
                                                        caller="add_prop")
                if semantic is not None:
                    class_id(semantic)
                    mesh = dataclasses.replace(mesh, semantic=np.full(len(mesh.positions), class_id(semantic), np.uint8))
                    label = semantic
                default_name = text
        prop = MeshProp(self._unique(name or default_name), label, mesh, position, quat, mass=mass,
                        collision=collision, friction=friction, restitution=restitution, velocity=velocity,
                        lights=lights)
        self.props.append(prop)
        return prop

    # ---- cameras and lights -------------------------------------------------------------------
    def add_camera(self, camera: str | CameraKind | Any = "Kite") -> Any:
        """Add a camera: a rig kind (``Kite``, ``CloseUp``, ``Tripod``, ``Orbital``, ``Handheld``,
        ``Indoor``; its parameters drawn from the seed), a rig instance
        (``phav.worlds.cameras.KiteRig(...)``) or :class:`~phav.api.cameras.CameraPoses`.
        :meth:`simulate` films through the first; :meth:`views` gives the take through each.

        Raises:
            SpecError: an unknown kind, or an object without ``track(...)``.
        """
        if isinstance(camera, str):
            try:
                camera = CameraKind.parse(camera)
            except ValueError as exc:
                raise SpecError(str(exc)) from None
        if not isinstance(camera, CameraKind) and not callable(getattr(camera, "track", None)):
            raise SpecError(f"a camera is a kind name, a rig or CameraPoses; got {type(camera).__name__}")
        self.cameras.append(camera)
        return camera

    def add_light(self, position: Sequence[float] | np.ndarray,
                  colour: Sequence[float] | np.ndarray = (3.0, 2.6, 2.0), radius: float = 10.0) -> None:
        """Add a point light (always on): ``position (3,)`` metres, ``colour (3,)`` linear RGB intensity
        (irradiance at 1 m; a room lamp is about 3, the sun about 1.5), cut-off ``radius`` metres.

        Raises:
            SpecError: ``position`` or ``colour`` is not ``(3,)``, a colour is negative, or ``radius`` is not positive.
        """
        if not radius > 0:
            raise SpecError(f"light radius must be positive, got {radius}")
        position = _vector("add_light: position", position, 3, "(x, y, z) in metres")
        colour = _vector("add_light: colour", colour, 3, "linear RGB intensity (r, g, b), each >= 0")
        if colour.min() < 0:
            raise SpecError(f"add_light: colour must be linear RGB intensity (r, g, b), each >= 0; "
                            f"got {colour.tolist()}")
        self.lights.append((position, colour, float(radius)))

    # ---- simulate and render ------------------------------------------------------------------
    def simulate(self, *, skin_resolution: float | None = None, quality: str | None = None) -> Take:
        """Run the physics and return the take, filmed through the first camera (default: ``Kite``,
        ``Indoor`` in the House).

        The people's skins are built at ``skin_resolution`` (grid spacing, metres), or at the
        quality preset's (``quality``: ``preview``, ``phav``, ``high``; as ``phav-render --quality``),
        or by default at :data:`phav.body.skin.DEFAULT_RESOLUTION`; the physics does not depend on it.

        Raises:
            SpecError: the scene has no person, or its pieces do not fit together.
            phav.physics.SimulationError: the simulation exploded.
            SignatureError: a person's action was not visibly performed.
        """
        from phav.api.simulate import simulate_scene
        from phav.body.skin import DEFAULT_RESOLUTION

        if skin_resolution is None and quality is not None:
            from phav.render.settings import quality_settings

            skin_resolution = quality_settings(quality).skin_resolution
        return simulate_scene(self, DEFAULT_RESOLUTION if skin_resolution is None else float(skin_resolution))

    def views(self, take: Take) -> list[Take]:
        """``take`` through each added camera in order (the first is ``take`` itself)."""
        from phav.api.cameras import view
        from phav.api.simulate import camera_object, people_heights
        from phav.worlds.cameras import fitted

        out = [take]
        for i, cam in enumerate(self.cameras[1:], start=1):
            static = getattr(self, "static", None)
            rig = camera_object(self, cam, i, static)
            if isinstance(cam, CameraKind):  # a drawn rig, as near as the people's size asks (as the first)
                rig = fitted(rig, people_heights(take.meta))[0]
            out.append(view(take, rig, scene=static))
        return out

    def render(self, take: Take | None = None, modalities: Iterable[str] = ("img",), *, quality: str = "phav",
               renderer: Any = None) -> Iterator[Any]:
        """Frames of ``take`` (default: a new simulation) as arrays; see :func:`phav.api.render_frames`."""
        from phav.api.output import render_frames

        if take is None:
            take = self.simulate(skin_resolution=renderer.settings.skin_resolution if renderer is not None else None,
                                 quality=quality)
        return render_frames(take, modalities, quality=quality, renderer=renderer)

    def write(self, out_root: str | Path, take: Take | None = None, **options: Any) -> Path:
        """Write the video folder as ``phav-render video`` does (``out_root/<label>/<folder>/``,
        named by :meth:`folder_name`); ``options`` as :func:`phav.api.write_video`. Returns the folder."""
        from phav.api.output import write_video

        if take is None:  # skins at the quality's (or the given renderer's) resolution, as the CLI
            renderer = options.get("renderer")
            take = self.simulate(skin_resolution=renderer.settings.skin_resolution if renderer is not None else None,
                                 quality=options.get("quality", "phav"))
        clip = take.meta.get("clip") or self.spec.clip or None
        return write_video(take, out_root, self.spec, folder_name=self.folder_name(clip), **options)


__all__ = ["MeshFileError", "Person", "Scene", "check_clip_joints"]

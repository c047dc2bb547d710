"""Scenario: the built scene of one video, and its simulation into a :class:`~phav.take.Take`.

``Scenario(spec)`` draws every sampled value of the video from the spec's seed (clip, world layout,
lighting, camera rig, actor appearance) without touching PyBullet. :meth:`Scenario.simulate` then
builds the physics world, runs it at a fixed step and returns the take; the PyBullet client lives
only inside that call, so nothing from it leaks out.

The steps are functions that :meth:`phav.Scene.simulate` (custom scenes) calls too, so a custom
scene and the CLI share one path: :func:`build_world`, :func:`scene_lighting`,
:func:`variation_modifiers` and :func:`cast_lead` (a person's motion, modifiers and companions),
:func:`run_physics`, then :func:`phav.assembly.assemble_take` and :func:`judge` (the action's
signature check).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

import numpy as np

from phav.actions import get_action
from phav.actions.registry import ActionPlan, ActionRecipe, SignatureResult
from phav.assembly import assemble_take
from phav.body.skin import DEFAULT_RESOLUTION
from phav.body.presets import preset_names, sample_actor
from phav.errors import SETTING, Setting, SignatureError, SpecError
from phav.motion.library import load_clip
from phav.physics import Humanoid, SimulationError, World
from phav.physics.variations import BLEND_CLIPS, Modifier, make_modifiers
from phav.seeding import video_rng
from phav.spec import VideoSpec
from phav.take import Take
from phav.worlds.cameras import CAMERA_TURN_KEY, check_camera, fitted, record_size_factor, sample_rig, turned
from phav.worlds.environments import build_environment
from phav.worlds.lighting import indoors, sample_lighting
from phav.worlds.scene import StaticScene
from phav.worlds.views import in_view, record_view
from phav.worlds.weather import local_lights

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


def check_variation(recipe: ActionRecipe, letters: str) -> None:
    """Raise ``SpecError`` (one line, listing the declared ones) unless ``recipe`` declares the
    variation ``letters``."""
    if letters not in recipe.variations:
        raise SpecError(f"action {recipe.name} does not combine with variation {letters!r}; "
                        f"its variations: {', '.join(sorted(recipe.variations))}")


def check_environment(recipe: ActionRecipe, environment: str) -> None:
    """Raise ``SpecError`` (one line, listing the others) when ``recipe`` excludes ``environment``."""
    if environment in recipe.excluded_environments:
        from phav.worlds.environments import ENVIRONMENTS

        others = [e.value for e in ENVIRONMENTS if e.value not in recipe.excluded_environments]
        raise SpecError(f"action {recipe.name} does not take place in environment {environment}; "
                        f"choose one of {', '.join(others)}")


def check_spec(spec: VideoSpec) -> tuple[ActionRecipe, str]:
    """The checks of a spec that need no world (what ``phav-render`` refuses as a usage error): its
    fields, a registered action, a variation the action declares, an environment it takes place in,
    a clip of the action, PHAV's camera rule. Returns the action's recipe and the video's clip.

    Raises:
        SpecError: the first check that fails; the message says what to change.
    """
    try:
        spec = spec.validate()
        recipe = get_action(spec.action)
        check_variation(recipe, spec.variation.value)
        check_environment(recipe, spec.environment.value)
        clip = resolve_clip(spec, recipe)
        check_camera(spec.environment, spec.camera)
    except SpecError:
        raise
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    return recipe, clip


def short_of_action(spec: VideoSpec, recipe: ActionRecipe) -> int | None:
    """The frames ``recipe`` needs at the spec's fps (its ``duration``) when the spec has fewer,
    else ``None``. Such a video is made if its take still shows the action; its action check
    (:meth:`Scenario.simulate`) refuses it otherwise, with the same number in the advice."""
    needed = recipe.frames_needed(spec.fps)
    return needed if spec.frames < needed else None


def judge(recipe: ActionRecipe, take: Take) -> SignatureResult:
    """``recipe.signature(take)``, checked: the verdict whether ``take`` shows the action.

    Raises:
        phav.plugins.PluginError: the signature raised (the error is the cause) or returned
            something that is not a :class:`~phav.actions.SignatureResult`; the message names the action.
    """
    from phav.plugins import checked_hook

    return checked_hook(f"action {recipe.name}", "signature check", recipe.signature, take, returns=SignatureResult,
                        returns_name="phav.actions.SignatureResult",
                        contract="signature(take) must return SignatureResult(ok, reason)")


# ---- world -----------------------------------------------------------------------------------------
def build_world(spec: VideoSpec) -> StaticScene:
    """The environment of ``spec`` (:class:`~phav.worlds.scene.StaticScene`) drawn from the
    ``world`` generator.

    Raises:
        SpecError: the environment cannot be built (unknown, or its builder raised ``ValueError``).
        phav.plugins.PluginError: its builder raised another error, or returned something that is
            not a ``StaticScene`` (the message names the environment; the builder's error is the cause).
    """
    from phav.plugins import checked_hook

    try:
        return checked_hook(f"environment {spec.environment.value}", "builder", build_environment, spec.environment,
                            video_rng(spec.seed, "world"), returns=StaticScene,
                            returns_name="phav.worlds.scene.StaticScene", passes=(ValueError,),
                            contract="builder(rng) must return the phav.worlds.scene.StaticScene it builds")
    except ValueError as exc:  # the environment cannot be built (its builder says why)
        raise SpecError(str(exc)) from None


def scene_lighting(spec: VideoSpec, static: Any) -> Any:
    """The video's :class:`~phav.worlds.lighting.Lighting` from the ``light`` generator (indoors
    in an indoor environment)."""
    lighting = sample_lighting(spec.day_phase, spec.weather, video_rng(spec.seed, "light"))
    return indoors(lighting) if static.indoor else lighting


def sample_body(preset: str, rng: np.random.Generator) -> tuple[Any, Any]:
    """``(BodyShape, Appearance)`` of ``preset`` jittered from ``rng``; ``SpecError`` for an unknown preset."""
    try:
        return sample_actor(preset, rng)
    except ValueError as exc:
        raise SpecError(str(exc)) from None


# ---- people ----------------------------------------------------------------------------------------
@dataclasses.dataclass
class Performer:
    """One simulated person: its name in the take, preset, body and appearance, start (horizontal
    position, m; heading, rad) and the motion it follows. A *lead* (a person the video or scene asked
    for) also has its action's plan, the modifiers acting on it (its stage pieces, then its
    variations) and the companions its action brought; :func:`run_physics` fills ``states`` (one
    snapshot per frame) and the records."""

    name: str
    preset: str
    skeleton: Any
    body_shape: Any
    appearance: Any
    position: tuple[float, float]
    heading: float
    clip: Any = None
    clip_name: str = ""
    plan: ActionPlan | None = None
    modifiers: list[Modifier] = dataclasses.field(default_factory=list)
    variations: list[Modifier] = dataclasses.field(default_factory=list)
    companions: list["Performer"] = dataclasses.field(default_factory=list)
    human: Any = None
    states: list[Any] = dataclasses.field(default_factory=list)
    action_record: dict[str, Any] = dataclasses.field(default_factory=dict)
    variation_record: dict[str, Any] = dataclasses.field(default_factory=dict)


def variation_modifiers(letters: str, rng: np.random.Generator, duration: float, clip_name: str,
                        skeleton: Any) -> list[Modifier]:
    """The modifiers of the variation ``letters`` drawn from ``rng`` (blending takes a second
    clip, not ``clip_name``, fitted to ``skeleton``); ``duration`` in seconds."""
    second = None
    if "b" in letters:
        choices = [c for c in BLEND_CLIPS if c != clip_name]
        second = load_clip(choices[int(rng.integers(len(choices)))], skeleton)
    return make_modifiers(letters, rng, duration, second, skeleton)


def companion(seed: int, purpose: str, index: int, spec: Any, lead: Performer, taken: set[str]) -> Performer:
    """The ``index``-th companion of ``lead``'s plan (``spec``: a :class:`~phav.actions.registry.Companion`):
    preset, body and appearance from the ``purpose`` generator, placed relative to the lead's start;
    its name in the take is its preset's unless ``taken`` has that."""
    rng = video_rng(seed, purpose)
    names = preset_names()
    preset = spec.preset or names[int(rng.integers(len(names)))]
    shape, appearance = sample_body(preset, rng)
    skeleton = shape.skeleton()
    yaw = lead.heading
    c, s = np.cos(yaw), np.sin(yaw)
    x, y = spec.offset(skeleton) if callable(spec.offset) else spec.offset
    start = lead.position
    position = (float(start[0] + c * x - s * y), float(start[1] + s * x + c * y))
    name, k = (preset if preset not in taken else f"{preset}_{index + 2}"), index + 2
    while name in taken:
        k += 1
        name = f"{preset}_{k}"
    return Performer(name, preset, skeleton, shape, appearance, position, yaw + float(spec.heading),
                     clip=spec.motion(skeleton))


def cast_lead(lead: Performer, plan: ActionPlan, make_variations: Callable[[], list[Modifier]], seed: int,
              companion_purpose: Callable[[int], str], taken: set[str]) -> None:
    """Give ``lead`` its plan, companions (bodies from ``companion_purpose(i)`` generators, names
    not in ``taken``, which grows), modifiers (the plan's stage, then ``make_variations()``) and
    the motion those modifiers make of the plan's clip."""
    clip = plan.clip
    for i, spec in enumerate(plan.companions):
        other = companion(seed, companion_purpose(i), i, spec, lead, taken)
        taken.add(other.name)
        lead.companions.append(other)
        if spec.main_motion is not None:  # the main motion fitted to the companion's body
            clip = spec.main_motion(other.skeleton)
    lead.variations = make_variations()
    lead.modifiers = list(plan.stage) + lead.variations
    for modifier in lead.modifiers:
        clip = modifier.clip(clip)
    lead.plan, lead.clip = plan, clip


# ---- physics ---------------------------------------------------------------------------------------
def run_physics(static: Any, performers: Sequence[Performer], frames: int, timestep: float, substeps: int,
                bodies: Sequence[Any] = ()) -> tuple[list[Any], list[list[tuple[np.ndarray, np.ndarray]]],
                                                       list[list[tuple[np.ndarray, np.ndarray]]]]:
    """Simulate ``frames`` video frames of ``substeps`` physics steps of ``timestep`` seconds.

    The world holds ``static``, the performers (in order), their modifiers' props and ``bodies``
    (objects with ``create(world)`` and ``poses(world) -> [(pos, quat)]``: a scene's own props).
    Fills each performer's ``states``, ``action_record`` and ``variation_record``.

    Returns:
        ``(stage_props, stage_poses, body_poses)``: the modifiers' props, their poses
        ``[frame][prop]`` and the bodies' part poses ``[frame][part]``, each ``(pos (3,), quat (4,))``.

    Raises:
        SpecError: one of ``bodies`` overlaps a performer where the simulation starts.
        phav.physics.SimulationError: the simulation exploded (NaN, speed or penetration bound).
    """
    stage_props = [p for a in performers for m in a.modifiers for p in m.props]
    stage_poses: list[list[Any]] = []
    body_poses: list[list[Any]] = []
    with World(timestep=timestep) as world:
        static.add_to_world(world)
        for a in performers:
            a.human = Humanoid(world, a.skeleton, a.clip, position=a.position, heading=a.heading,
                               ragdoll_impulse=RAGDOLL_IMPULSE_PER_KG * a.skeleton.total_mass)
        for a in performers:
            for modifier in a.modifiers:
                modifier.setup(world, a.human)
        for a in performers:  # stage pieces acting between people (joined hands, hugs)
            for modifier in a.modifiers:
                if hasattr(modifier, "setup_actors"):
                    modifier.setup_actors(world, [a.human] + [c.human for c in a.companions])
        for body in bodies:
            body.create(world)
        _check_bodies_clear_of_people(world, bodies, performers)
        time_s = 0.0
        for frame in range(frames):
            if frame:
                for _ in range(substeps):
                    for a in performers:
                        for modifier in a.modifiers:
                            modifier.before_step(world, a.human, time_s)
                    for a in performers:
                        a.human.control(time_s)
                    world.step()
                    for a in performers:
                        a.human.observe_impacts()
                    time_s += world.timestep
                for a in performers:
                    a.human.check()
            for a in performers:
                a.states.append(a.human.snapshot())
            stage_poses.append([p.pose(world) for p in stage_props])
            body_poses.append([pose for body in bodies for pose in body.poses(world)])
        for a in performers:
            if a.plan is not None:
                a.action_record = dict(a.plan.style, **{k: v for m in a.plan.stage for k, v in m.record.items()})
            a.variation_record = {m.letter: m.record for m in a.variations}
            a.variation_record["impacts"] = [list(i) for i in a.human.impacts]
    return stage_props, stage_poses, body_poses


#: How deep (m) a scene's own body may reach into a person where the simulation starts: more, and
#: the contact solver flings them apart at tens of metres a second in the first step.
START_OVERLAP_TOLERANCE = 0.01


def _check_bodies_clear_of_people(world: World, bodies: Sequence[Any], performers: Sequence[Performer]) -> None:
    """Raise a :class:`SpecError` naming the first of ``bodies`` (created, with ``name`` and
    PyBullet id ``body``) that reaches more than :data:`START_OVERLAP_TOLERANCE` into a performer's
    body in its start pose."""
    c = world.client
    for body in bodies:
        for a in performers:
            points = c.getClosestPoints(bodyA=body.body, bodyB=a.human.body_id, distance=0.0)
            depth = -min((p[8] for p in points), default=0.0)
            if depth > START_OVERLAP_TOLERANCE:
                x, y = a.position
                raise SpecError(f"prop {body.name!r} overlaps the person {a.name!r} ({depth * 100:.0f} cm deep) where the "
                                f"simulation starts (the person stands at ({x:g}, {y:g})); place the prop "
                                "elsewhere or start the person elsewhere")


class Scenario:
    """Everything sampled for one video, ready to simulate.

    Raises:
        SpecError: the spec is invalid or asks for something not available (the message says what).
    """

    def __init__(self, spec: VideoSpec) -> None:
        try:
            self.spec = spec.validate()
            self.recipe, self.clip_name = check_spec(self.spec)
            self.static = build_world(spec)
            # seen from the sides the action asks for (phav.worlds.views; the drawn rig without a view)
            self.rig = in_view(sample_rig(spec.camera, video_rng(spec.seed, "camera")), self.recipe.view,
                               self.static.start_heading, spec.frames / spec.fps)
        except SpecError:
            raise
        except ValueError as exc:
            raise SpecError(str(exc)) from None
        self.lighting = scene_lighting(spec, self.static)
        # the actor preset, its body shape and appearance jittered from the seed
        self.body_shape, self.appearance = sample_body(spec.actor, video_rng(spec.seed, "actor"))
        self.skeleton = self.body_shape.skeleton()
        self.substeps = substeps_per_frame(spec.fps)
        self.timestep = 1.0 / (spec.fps * self.substeps)

    @property
    def folder_name(self) -> str:
        """The video's PHAV folder name."""
        return self.spec.folder_name(self.clip_name)

    def simulate(self, check_signature: bool = True, skin_resolution: float = DEFAULT_RESOLUTION) -> Take:
        """Run the physics and return the take.

        The action's recipe builds the motion, props and events (its *stage*, run like the
        variations' modifiers) from the skeleton and the ``action`` generator. ``skin_resolution``
        is the grid spacing (m) of the people's skins (a quality preset's
        ``RenderSettings.skin_resolution``); the physics does not depend on it.

        Raises:
            phav.physics.SimulationError: the simulation exploded (NaN, speed or penetration bound).
            SignatureError: the take does not show the action (unless ``check_signature`` is false);
                when the video is shorter than the action needs, its ``setting`` is
                ``Setting("frames", N)``, the frames it needs (worded ``use frames=N or more``).
        """
        spec = self.spec
        duration = spec.frames / spec.fps
        self.plan = self.recipe.plan(self.skeleton, video_rng(spec.seed, "action"), self.clip_name, duration, spec,
                                     world=self.static, camera=self.rig)
        main = Performer(spec.actor, spec.actor, self.skeleton, self.body_shape, self.appearance,
                         tuple(self.static.start_position), self.static.start_heading, clip_name=self.clip_name)
        cast_lead(main, self.plan, lambda: variation_modifiers(
            spec.variation.value, video_rng(spec.seed, "variation"), duration, self.clip_name, self.skeleton),
            spec.seed, lambda i: f"actor{i + 2}", {main.name})
        self.actors = [main] + main.companions
        try:
            stage_props, stage_poses, _ = run_physics(self.static, self.actors, spec.frames, self.timestep,
                                                      self.substeps)
        except SimulationError as exc:  # the same spec fails the same way: another seed draws another take
            raise SimulationError(f"{spec.action} (seed {spec.seed}) could not be simulated: {exc}; "
                                  "try another seed") from exc
        self.action_record, self.variation_record = main.action_record, main.variation_record
        # An action may ask for the camera turned about the subject (phav.worlds.cameras.CAMERA_TURN_KEY).
        rig = turned(self.rig, main.action_record.get(CAMERA_TURN_KEY, 0.0))
        # as near and as low as the people's size asks (the tallest of them; children nearer)
        rig, factor = fitted(rig, [a.body_shape.height for a in self.actors])
        take = assemble_take(spec, self.static, self.lighting, rig, spec.camera.value, self.actors,
                             stage_props, stage_poses, timestep=self.timestep, substeps=self.substeps,
                             lights=local_lights(self.static.lights, spec.day_phase, spec.frames,
                                                 near=self.static.start_position),
                             skin_resolution=skin_resolution)
        record_view(take, self.recipe.view, rig)
        record_size_factor(take.meta, factor)
        verdict = judge(self.recipe, take)
        take.meta["signature"] = {"ok": verdict.ok, "reason": verdict.reason}
        if check_signature and not verdict.ok:
            needed = short_of_action(spec, self.recipe)
            # the frames it needs as a Setting: each front end words it (frames=84, --frames 84)
            advice = (f"it needs about {self.recipe.duration:g} s: {SETTING} or more"
                      if needed is not None else "try another seed")
            raise SignatureError(f"{spec.action} was not performed visibly ({verdict.reason}); {advice}",
                                 setting=None if needed is None else Setting("frames", needed))
        return take

"""The action registry: every action class is a recipe registered under its PHAV class name.

A recipe says which motions the action may use, how to build one video's motion, props and
events from the skeleton, a generator and the spec (:meth:`ActionRecipe.plan`), and how to check,
from the finished :class:`~phav.take.Take`, that the action visibly happened (its signature). The
CLI's choices come from here.

The hook: ``build(ctx) -> ActionPlan``. ``ctx`` (:class:`BuildContext`) carries the skeleton, the
action's own generator (``video_rng(seed, "action")``), the spec and the chosen clip name; the plan
holds the main actor's :class:`~phav.motion.clip.Clip`, the *stage* (modifiers with the
:class:`phav.physics.variations.Modifier` interface that add props, attach them to hands, throw
balls, drive cars or weaken muscles; their props are recorded in the take with their own
instances) and the sampled style parameters (recorded in the take's metadata).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable

import numpy as np

from phav.body.skeleton import Skeleton
from phav.motion.clip import Clip
from phav.take import Take

#: Tags an action may carry: ``mocap-like`` and ``synthetic`` as PHAV's 21 + 14 classes,
#: ``extra`` for classes beyond PHAV (named after HMDB51/UCF101 classes).
TAGS = frozenset({"mocap-like", "synthetic", "extra"})
#: Variation letters (see :mod:`phav.physics.variations`).
ALL_VARIATIONS = frozenset({"n", "w", "p", "b", "o"})


@dataclasses.dataclass(frozen=True)
class SignatureResult:
    """Whether a take shows its action, with the measured figure that decided it."""

    ok: bool
    reason: str


@dataclasses.dataclass(frozen=True)
class BuildContext:
    """What a recipe builds one video from.

    Attributes:
        skeleton: the actor's skeleton (body shape already applied).
        rng: the action's generator (``video_rng(seed, "action")``): the only randomness allowed.
        clip_name: the motion chosen among the recipe's ``clips``.
        duration: video length, seconds.
        spec: the video spec (read only; e.g. ``spec.variation``).
        world: the video's static scene (:class:`phav.worlds.scene.StaticScene`: colliders,
            the actor's start position and heading) when a scenario builds the plan, else ``None``;
            read only. The clip is built at the origin facing +x and placed at the start.
        camera: the video's camera rig (:mod:`phav.worlds.cameras`; e.g. for
            :func:`~phav.worlds.cameras.view_azimuth`), already moved into the recipe's ``view``,
            when a scenario builds the plan, else ``None``; read only.
    """

    skeleton: Skeleton
    rng: np.random.Generator
    clip_name: str
    duration: float
    spec: Any = None
    world: Any = None
    camera: Any = None


@dataclasses.dataclass
class ActionPlan:
    """One video's action: the motion, the stage and the sampled style.

    Attributes:
        clip: the main actor's motion on its skeleton (placed at the origin facing +x; the
            scenario moves it to the world's start position).
        stage: modifiers (``clip``/``setup``/``before_step``/``props``) run with the variations'.
        style: sampled style parameters, JSON-able (recorded under ``meta["action"]``).
        source: where the motion came from (e.g. ``pybullet_data DeepMimic humanoid3d_walk``).
        companions: other people (:class:`Companion`), for two-person actions.
    """

    clip: Clip
    stage: list = dataclasses.field(default_factory=list)
    style: dict = dataclasses.field(default_factory=dict)
    source: str = ""
    companions: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Companion:
    """Another person in the video (two-person actions), simulated and recorded like the main actor.

    The scenario draws the companion's preset (unless ``preset`` names one) and body from the seed,
    builds its motion with ``motion(skeleton)`` (a clip placed at the origin facing +x, like the
    plan's), and starts it at ``offset`` (metres, the main actor's body frame: x forward, y left)
    facing ``heading`` radians from the main actor's heading; ``offset`` may instead be a function of
    the companion's skeleton, and ``main_motion(skeleton)`` (if given) replaces the plan's clip with one
    fitted to the companion's body (e.g. where two hands meet). Stage modifiers that act between
    people define ``setup_actors(world, humans)`` (all humanoids, the main one first), called
    after every ``setup``.
    """

    motion: Callable[[Skeleton], Clip]
    offset: tuple[float, float] | Callable[[Skeleton], tuple[float, float]] = (0.0, 0.0)
    heading: float = 0.0
    preset: str | None = None
    main_motion: Callable[[Skeleton], Clip] | None = None


def deepmimic_build(ctx: BuildContext) -> ActionPlan:
    """The default hook: the clip named ``ctx.clip_name`` from the motion library
    (:func:`phav.motion.library.load_clip`: a DeepMimic clip unless a motion folder overrides the
    name), retargeted to the skeleton with its feet on the ground and locked in stance."""
    from phav.motion.library import load_clip

    return ActionPlan(clip=load_clip(ctx.clip_name, ctx.skeleton),
                      source="pybullet_data DeepMimic humanoid3d_" + ctx.clip_name)


@dataclasses.dataclass(frozen=True)
class ActionRecipe:
    """A registered action class.

    Attributes:
        name: the class name as in PHAV's folders (e.g. ``Walk``).
        tags: a subset of :data:`TAGS`.
        clips: motion names the action chooses from (the video's seed picks one unless the spec
            fixes it); DeepMimic clip names for the default hook, style names for procedures.
        signature: decides from a take whether the action visibly happened.
        description: one line for ``phav-render list actions``.
        build: the hook making one video's :class:`ActionPlan` (default :func:`deepmimic_build`).
        variations: the motion variation letters that make sense with this action.
        excluded_environments: environments the action cannot take place in (a car hit indoors):
            the sampler never draws them for it and a spec that asks for one is refused.
        duration: the length (seconds) in which the action completes: videos at least this
            long show it (tests and the sampler use it).
        view: from which sides the action must be seen, or ``None`` (any side: the camera as
            drawn). A name in :data:`phav.worlds.views.VIEWS` (``"front"``, ``"oblique"``, ``"front_or_back"``,
            ``"side"``) or sectors ``((low, high), ...)`` in degrees of the camera's azimuth about
            the person, counter-clockwise from the direction the person faces at the start
            (0: in front, 90: on its left). The video's camera rig is moved into them before the
            plan is built (:func:`phav.worlds.views.in_view`; ``BuildContext.camera`` is the
            moved rig), drawing no random number.
    """

    name: str
    tags: frozenset[str]
    clips: tuple[str, ...]
    signature: Callable[[Take], SignatureResult]
    description: str
    build: Callable[[BuildContext], ActionPlan] = deepmimic_build
    variations: frozenset[str] = ALL_VARIATIONS
    duration: float = 2.0
    excluded_environments: frozenset[str] = frozenset()
    view: str | tuple[tuple[float, float], ...] | None = None

    def frames_needed(self, fps: float) -> int:
        """Video frames that hold the action at ``fps``: ``ceil(duration * fps)``."""
        return int(math.ceil(self.duration * fps))

    def __post_init__(self) -> None:
        unknown = set(self.tags) - TAGS
        if unknown:
            raise ValueError(f"action {self.name}: unknown tags {sorted(unknown)}; valid: {sorted(TAGS)}")
        if not self.clips:
            raise ValueError(f"action {self.name}: needs at least one clip")
        bad = set(self.variations) - ALL_VARIATIONS
        if bad or "n" not in self.variations:
            raise ValueError(f"action {self.name}: variations must include 'n' and lie in {sorted(ALL_VARIATIONS)}")
        if not self.duration > 0:
            raise ValueError(f"action {self.name}: duration must be positive, got {self.duration}")
        if self.view is not None:
            from phav.worlds.views import view_sectors

            try:
                sectors = view_sectors(self.view)
            except ValueError as exc:
                raise ValueError(f"action {self.name}: {exc}") from None
            if not isinstance(self.view, str):  # hashable and checked, as declared
                object.__setattr__(self, "view", sectors)

    def plan(self, skeleton: Skeleton, rng: np.random.Generator, clip_name: str, duration: float,
             spec: Any = None, world: Any = None, camera: Any = None) -> ActionPlan:
        """Build one video's plan (see :class:`BuildContext` for the arguments).

        Raises:
            ValueError: ``clip_name`` is not one of the action's clips.
            phav.plugins.PluginError: the ``build`` hook returned something other than an
                :class:`ActionPlan`.
        """
        if clip_name not in self.clips:
            raise ValueError(f"action {self.name} has no clip {clip_name!r}; its clips: {', '.join(self.clips)}")
        from phav.plugins import checked_hook

        return checked_hook(f"action {self.name}", "build hook", self.build,
                            BuildContext(skeleton, rng, clip_name, float(duration), spec, world, camera),
                            returns=ActionPlan, returns_name="phav.actions.ActionPlan", passes=(Exception,),
                            contract="build(ctx) must return an ActionPlan (for a motion alone: ActionPlan(clip=motion))")


_REGISTRY: dict[str, ActionRecipe] = {}


def register(recipe: ActionRecipe) -> ActionRecipe:
    """Add ``recipe``; a second recipe with the same name raises ``ValueError``."""
    if recipe.name in _REGISTRY:
        raise ValueError(f"action {recipe.name!r} is already registered")
    _REGISTRY[recipe.name] = recipe
    return recipe


def get_action(name: str) -> ActionRecipe:
    """The recipe registered as ``name``.

    Raises:
        ValueError: unknown action; the message lists the registered ones.
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown action {name!r}; valid actions: {', '.join(action_names())}") from None


def action_names(tag: str | None = None) -> list[str]:
    """Registered action names, sorted, optionally only those with ``tag``."""
    return sorted(n for n, r in _REGISTRY.items() if tag is None or tag in r.tags)

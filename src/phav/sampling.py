"""The parametric generative model: a small directed model over a :class:`~phav.spec.VideoSpec`'s variables.

Structure (PHAV's, as released)::

    action ──▶ clip              environment ──▶ camera
    actor, day_phase, weather, length: independent
    variation: independent, restricted to the variations the action declares (its recipe's
    ``variations``: e.g. Pour does not combine with b, blending)
    environment: restricted to those the action does not exclude (its recipe's
    ``excluded_environments``: no SyntheticCarHit in the House)

Every variable has a *named distribution* over the values implemented at run time (the action and
preset registries, the environment builders, the camera rigs, ...): ``uniform``, explicit
``weights``, or, for the camera, ``phav`` (Kite about 85 %, CloseUp about 1 %, Indoor exactly when
the environment is House). Continuous parameters (camera distance and height, light, body shape,
clothing colours, timing) are drawn inside each choice from the video's seed by the scenario; the
model itself draws the discrete variables and the video length.

A TOML config overrides distributions and adds constraints (allowed values)::

    [variables.weather]                 # any variable: action clip actor environment camera
    weights = { Clear = 3, Cloudy = 1 } #   day_phase weather variation
    [variables.camera]
    distribution = "phav"               # named: "uniform" (default), "phav" (camera only; its default)
    [variables.camera.given.Plain]      # a child's distribution for one parent value
    weights = { Kite = 1 }
    [constraints]
    weather = ["Rainy"]                 # only these values ("only Rainy")
    actor_tags = ["child"]              # only actor presets carrying one of these tags
    [length]                            # frames per video
    distribution = "uniform"            # "fixed" (frames = N; default: --frames), "uniform" (min, max),
                                        # "normal" (mean, std, clipped to min, max), "action" (each
                                        # class's own length, at least frames; `dataset`'s default
                                        # when neither --frames nor --seconds is given)
    min = 37
    max = 291

Sampling never reads global random state: :meth:`SpecModel.sample` draws from the generator it is
given; :func:`plan_key_rng` derives one per planned video from the global seed.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import sys
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from phav.body.presets import ALIASES as PRESET_ALIASES
from phav.errors import SpecError
from phav.seeding import derive_seed
from phav.spec import MAX_FRAMES, CameraKind, DayPhase, Environment, Variation, VideoSpec, Weather

#: The discrete variables, in ancestral (sampling) order.
VARIABLES: tuple[str, ...] = ("action", "clip", "actor", "environment", "camera", "day_phase", "weather", "variation")
#: Each child's parent in the directed model.
PARENTS: dict[str, str] = {"clip": "action", "camera": "environment"}
#: Named distributions each variable accepts.
NAMED: dict[str, tuple[str, ...]] = {v: ("uniform",) for v in VARIABLES}
NAMED["camera"] = ("uniform", "phav")
#: Length distributions (frames per video).
LENGTH_KINDS = ("fixed", "uniform", "normal", "action")
#: Seeds stay below this so every consumer can hold them in a signed 64-bit integer.
SEED_LIMIT = 2**63

#: PHAV's camera shares outside House (*ours* for the three added kinds): Kite ~85 %, CloseUp ~1 %.
PHAV_CAMERA_WEIGHTS: dict[str, float] = {
    CameraKind.KITE.value: 0.85, CameraKind.CLOSE_UP.value: 0.01, CameraKind.TRIPOD.value: 0.05,
    CameraKind.ORBITAL.value: 0.05, CameraKind.HANDHELD.value: 0.04,
}
#: Weathers whose look (fog, precipitation) exists; the rest light correctly but would look clear.
_BASE_WEATHERS = (Weather.CLEAR.value, Weather.CLOUDY.value, Weather.OVERCAST.value)


# ---- what is implemented ------------------------------------------------------------------------
def _registry_names(module: str, attributes: Sequence[str]) -> list[str] | None:
    """Names from the first of ``attributes`` found in ``module`` (a dict's keys, a list, or a callable)."""
    try:
        mod = __import__(module, fromlist=["_"])
    except ImportError:
        return None
    for attr in attributes:
        value = getattr(mod, attr, None)
        if value is None:
            continue
        if callable(value):
            value = value()
        names = [getattr(k, "value", getattr(k, "name", k)) if not isinstance(k, str) else k for k in value]
        return [str(n) for n in names]
    return None


def _has(module: str, attribute: str) -> bool:
    try:
        return hasattr(__import__(module, fromlist=["_"]), attribute)
    except ImportError:
        return False


def actor_tags() -> dict[str, frozenset[str]]:
    """Tags of each registered actor preset (e.g. ``child``, ``woman``; empty where there are none)."""
    try:
        from phav.body import presets  # type: ignore[attr-defined]
    except ImportError:
        return {}
    table = getattr(presets, "PRESETS", ())
    items = table.values() if isinstance(table, Mapping) else table
    return {str(p.name): frozenset(getattr(p, "tags", ()) or ()) for p in items if hasattr(p, "name")}


def _action_variations(action: str) -> frozenset[str]:
    """The variation letters ``action``'s recipe declares (all of them for an unknown action)."""
    from phav.actions import get_action

    try:
        return frozenset(get_action(action).variations)
    except ValueError:
        return frozenset(v.value for v in Variation)


def _action_excluded_environments(action: str) -> frozenset[str]:
    """The environments ``action``'s recipe excludes (none for an unknown action)."""
    from phav.actions import get_action

    try:
        return frozenset(get_action(action).excluded_environments)
    except ValueError:
        return frozenset()


def available_values() -> dict[str, Any]:
    """The values each variable may take now, read from the registries at call time.

    Returns ``{variable: [values]}`` except ``clip``, which maps each action to its clips.
    """
    from phav.actions import action_names, get_action
    from phav.worlds.cameras import RIGS
    from phav.worlds.environments import ENVIRONMENTS

    actions = action_names()
    actors = (_registry_names("phav.body.presets", ("preset_names", "PRESETS", "NAMES"))
              or [VideoSpec.actor])
    weathers = _registry_names("phav.worlds.weather", ("implemented_weathers", "WEATHERS", "IMPLEMENTED"))
    if weathers is None:  # the weather layer renders every Weather (fog, rain, snow) once it exists
        weathers = ([w.value for w in Weather] if _has("phav.worlds.weather", "sample_atmosphere")
                    else list(_BASE_WEATHERS))
    variations = (_registry_names("phav.physics.variations", ("implemented_variations", "VARIATIONS", "IMPLEMENTED"))
                  or [Variation.NONE.value])
    return {
        "action": actions,
        "clip": {a: list(get_action(a).clips) for a in actions},
        "actor": sorted(actors),
        "environment": [e.value for e in ENVIRONMENTS],
        "camera": [k.value for k in RIGS],
        "day_phase": [d.value for d in DayPhase],
        "weather": [w for w in (x.value for x in Weather) if w in weathers],
        "variation": [v for v in (x.value for x in Variation) if v in variations],
    }


# ---- config -------------------------------------------------------------------------------------
class ConfigError(SpecError):
    """A sampling config that cannot be used; the message names the key and the problem."""


@dataclasses.dataclass(frozen=True)
class VariableConfig:
    """One variable's distribution: a named one, optional weights, optional per-parent-value overrides."""

    distribution: str = "uniform"
    weights: Mapping[str, float] | None = None
    given: Mapping[str, "VariableConfig"] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class LengthConfig:
    """Frames per video: ``fixed`` (``frames``), ``uniform`` (``min``..``max``), ``normal`` (clipped),
    or ``action``: as long as the sampled class needs (its recipe's ``duration``), and at least
    ``frames`` (default: the base spec's)."""

    distribution: str = "fixed"
    frames: int | None = None
    min: int = 37
    max: int = 291
    mean: float = 143.0
    std: float = 45.0


@dataclasses.dataclass(frozen=True)
class SamplingConfig:
    """Distributions, constraints (allowed values per variable) and the length distribution."""

    variables: Mapping[str, VariableConfig] = dataclasses.field(default_factory=dict)
    constraints: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    actor_tags: tuple[str, ...] = ()
    length: LengthConfig = LengthConfig()
    #: The file it was read from (:meth:`from_toml`); errors about its values found later name it.
    source: str | None = dataclasses.field(default=None, compare=False)

    @classmethod
    def from_toml(cls, path: str | Path) -> "SamplingConfig":
        """Read a TOML config (format in the module docstring).

        Raises:
            ConfigError: unreadable file, TOML syntax error, or a bad key/value (named in the message).
        """
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - exercised on Python 3.10 only
            import tomli as tomllib
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read sampling config {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"sampling config {path} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                              "save it as UTF-8 TOML") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"sampling config {path} is not valid TOML: {exc}") from None
        try:
            return dataclasses.replace(cls.from_dict(data), source=str(path))
        except ConfigError as exc:
            raise ConfigError(f"sampling config {path}: {exc}") from None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SamplingConfig":
        """Build from the parsed TOML tables. Raises :class:`ConfigError` naming the bad key."""
        _check_keys(data, ("variables", "constraints", "length"), "")
        variables = {}
        for name, table in _table(data, "variables", "").items():
            if name not in VARIABLES:
                raise ConfigError(f"unknown variable [variables.{name}]; valid variables: {', '.join(VARIABLES)}")
            variables[name] = _variable_config(name, table, f"variables.{name}", allow_given=name in PARENTS)
        constraints: dict[str, tuple[str, ...]] = {}
        tags: tuple[str, ...] = ()
        for name, values in _table(data, "constraints", "").items():
            key = f"constraints.{name}"
            if name != "actor_tags" and name not in VARIABLES:
                raise ConfigError(f"unknown key {key}; valid keys: {', '.join(VARIABLES + ('actor_tags',))}")
            if isinstance(values, str):
                values = [values]
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                raise ConfigError(f"{key} must be a non-empty list of names, got {values!r}")
            if name == "actor_tags":
                tags = tuple(values)
            else:
                constraints[name] = tuple(values)
        length = _length_config(_table(data, "length", ""))
        return cls(variables=variables, constraints=constraints, actor_tags=tags, length=length)


def _table(data: Mapping[str, Any], key: str, prefix: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{prefix}{key} must be a table, got {type(value).__name__}")
    return value


def _check_keys(data: Mapping[str, Any], valid: Sequence[str], where: str) -> None:
    for key in data:
        if key not in valid:
            name = f"{where}.{key}" if where else key
            raise ConfigError(f"unknown key {name}; valid keys here: {', '.join(valid)}")


def _variable_config(name: str, table: Any, where: str, allow_given: bool) -> VariableConfig:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table, got {table!r}")
    _check_keys(table, ("distribution", "weights", "given") if allow_given else ("distribution", "weights"), where)
    default = _DEFAULTS.get(name, VariableConfig()).distribution
    distribution = table.get("distribution", "weights" if "weights" in table else default)
    valid = NAMED[name] + ("weights",)
    if distribution not in valid:
        raise ConfigError(f"{where}.distribution {distribution!r} is unknown; valid: {', '.join(valid)}")
    weights = table.get("weights")
    if distribution == "weights" and weights is None:
        raise ConfigError(f"{where}: distribution 'weights' needs a weights table")
    if weights is not None:
        if not isinstance(weights, Mapping) or not weights:
            raise ConfigError(f"{where}.weights must be a non-empty table of value = weight")
        for value, w in weights.items():
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
                raise ConfigError(f"{where}.weights.{value} must be a finite number >= 0, got {w!r}")
        if sum(weights.values()) <= 0:
            raise ConfigError(f"{where}.weights are all zero; give at least one value a positive weight")
        weights = {str(k): float(v) for k, v in weights.items()}
    given = {}
    for parent_value, sub in _table(table, "given", f"{where}.").items():
        given[str(parent_value)] = _variable_config(name, sub, f"{where}.given.{parent_value}", allow_given=False)
    return VariableConfig(distribution=distribution, weights=weights, given=given)


def _length_config(table: Mapping[str, Any]) -> LengthConfig:
    _check_keys(table, ("distribution", "frames", "min", "max", "mean", "std"), "length")
    kind = table.get("distribution", "fixed")
    if kind not in LENGTH_KINDS:
        raise ConfigError(f"length.distribution {kind!r} is unknown; valid: {', '.join(LENGTH_KINDS)}")
    for key in ("frames", "min", "max"):
        if key in table and (isinstance(table[key], bool) or not isinstance(table[key], int)
                             or not 1 <= table[key] <= MAX_FRAMES):
            raise ConfigError(f"length.{key} must be an integer in 1..{MAX_FRAMES}, got {table[key]!r}")
    for key in ("mean", "std"):
        if key in table and (isinstance(table[key], bool) or not isinstance(table[key], (int, float))
                             or not 0 <= table[key] <= MAX_FRAMES):
            raise ConfigError(f"length.{key} must be a number in 0..{MAX_FRAMES}, got {table[key]!r}")
    config = LengthConfig(distribution=kind, **{k: v for k, v in table.items() if k != "distribution"})
    if config.min > config.max:
        raise ConfigError(f"length.min ({config.min}) is greater than length.max ({config.max})")
    return config


# ---- the model ----------------------------------------------------------------------------------
def plan_key_rng(seed: int, action: str, index: int) -> np.random.Generator:
    """The generator that samples planned video ``index`` of class ``action`` under global ``seed``."""
    return np.random.Generator(np.random.PCG64(derive_seed("phav-plan", seed, action, index)))


def video_seed(seed: int, action: str, index: int, attempt: int = 0) -> int:
    """The seed of planned video ``index`` of ``action`` (``attempt`` > 0: its retries), by hashing."""
    if attempt == 0:
        return derive_seed("phav-video", seed, action, index) % SEED_LIMIT
    return derive_seed("phav-video", seed, action, index, "retry", attempt) % SEED_LIMIT


class SpecModel:
    """The directed model over a spec's variables, restricted to implemented values and constraints.

    Args:
        config: distributions and constraints (default: uniform everywhere, PHAV's camera table).
        base: the spec whose non-sampled fields (size, fps, batch, frames unless the length is
            sampled) every sampled spec keeps.
        fixed: values fixed for every video (e.g. ``{"weather": "Rainy"}``), as from the command line.
        available: what is implemented (default :func:`available_values`); tests pass their own.

    Raises:
        ConfigError: a constraint, weight or fixed value names something unknown or not implemented,
            or the constraints leave no possible video; the message names the key and the valid values.
    """

    def __init__(
        self,
        config: SamplingConfig | None = None,
        *,
        base: VideoSpec | None = None,
        fixed: Mapping[str, str] | None = None,
        available: Mapping[str, Any] | None = None,
    ) -> None:
        self.config = config or SamplingConfig()
        self.base = base or VideoSpec()
        self.available = dict(available or available_values())
        self.allowed: dict[str, list[str]] = {}
        for var in VARIABLES:
            if var == "clip":
                continue
            values = list(self.available[var])
            if var == "actor" and self.config.actor_tags:
                tags = actor_tags()
                values = [v for v in values if tags.get(v, frozenset()) & set(self.config.actor_tags)]
                if not values:
                    known = sorted(set().union(*tags.values())) if tags else []
                    raise self._config_error(
                        f"constraints.actor_tags {list(self.config.actor_tags)} matches no actor preset; "
                        f"known tags: {', '.join(known) or 'none (the presets carry no tags yet)'}")
            for source, chosen in (("constraints", self.config.constraints.get(var)),
                                   ("fixed", (fixed or {}).get(var))):
                if chosen is None:
                    continue
                chosen = [chosen] if isinstance(chosen, str) else list(chosen)
                if var == "actor":  # an alias (Model_Default) stands for its preset, whose name the specs carry
                    chosen = [PRESET_ALIASES.get(c, c) for c in chosen]
                bad = [c for c in chosen if c not in self.available[var]]
                if bad:
                    where = f"constraints.{var}" if source == "constraints" else "--" + var.replace("_", "-")
                    message = (f"{where}: {', '.join(map(repr, bad))} not available; "
                               f"available: {', '.join(self.available[var])}")
                    raise self._config_error(message) if source == "constraints" else ConfigError(message)
                values = [v for v in values if v in chosen]
            self.allowed[var] = values
        self._check_weights()
        if not any(True for _ in self.enumerate(limit=1)):
            raise ConfigError("the constraints leave no possible video; relax [constraints] or the fixed options")

    def _config_error(self, message: str) -> ConfigError:
        """A :class:`ConfigError` about the config's values, naming its file when it has one."""
        source = self.config.source
        return ConfigError(f"sampling config {source}: {message}" if source else message)

    def _check_weights(self) -> None:
        for var, vc in self.config.variables.items():
            domain = (set(itertools.chain.from_iterable(self.available["clip"].values())) if var == "clip"
                      else set(self.available[var]) | {v.value for v in _ENUMS.get(var, ())})
            for sub_name, sub in [("", vc)] + [(f".given.{k}", s) for k, s in vc.given.items()]:
                for value in (sub.weights or {}):
                    if value not in domain:
                        raise self._config_error(
                            f"variables.{var}{sub_name}.weights.{value}: unknown value; "
                            f"valid: {', '.join(sorted(domain))}")
            parent = PARENTS.get(var)
            for parent_value in vc.given:
                pdomain = set(self.available[parent]) | {v.value for v in _ENUMS.get(parent, ())}
                if parent_value not in pdomain:
                    raise self._config_error(
                        f"variables.{var}.given.{parent_value}: unknown {parent}; valid: {', '.join(sorted(pdomain))}")

    # ---- distributions ----------------------------------------------------------------------
    def distribution(self, variable: str, parent_value: str | None = None) -> dict[str, float]:
        """The normalised distribution of ``variable`` (given its parent's value) over allowed values.

        Returns an empty dict when no allowed value has positive probability.
        """
        if variable == "clip":
            values = list(self.available["clip"].get(parent_value, ()))
            allowed = self.config.constraints.get("clip")
            if allowed:
                values = [v for v in values if v in allowed]
        elif variable == "variation" and parent_value is not None:
            values = [v for v in self.allowed["variation"] if v in _action_variations(parent_value)]
        elif variable == "environment" and parent_value is not None:  # given the action
            values = [v for v in self.allowed["environment"] if v not in _action_excluded_environments(parent_value)]
        else:
            values = self.allowed[variable]
        vc = self.config.variables.get(variable, _DEFAULTS.get(variable, VariableConfig()))
        if parent_value is not None and parent_value in vc.given:
            vc = vc.given[parent_value]
        if vc.weights is not None:
            raw = {v: vc.weights.get(v, 0.0) for v in values}
        elif vc.distribution == "phav" and variable == "camera":
            raw = _phav_camera(values, parent_value)
        else:
            raw = {v: 1.0 for v in values}
        total = sum(raw.values())
        return {v: w / total for v, w in raw.items() if w > 0} if total > 0 else {}

    def _feasible(self, variable: str, value: str) -> bool:
        """Whether ``value`` of a parent variable leaves its child some possible value."""
        for child, parent in PARENTS.items():
            if parent == variable and not self.distribution(child, value):
                return False
        if variable == "action" and not (self.distribution("variation", value)
                                         and self._feasible_dist("environment", value)):
            return False
        return True

    def _draw(self, rng: np.random.Generator, variable: str, parent_value: str | None = None) -> str:
        dist = {v: p for v, p in self.distribution(variable, parent_value).items() if self._feasible(variable, v)}
        if not dist:
            raise ConfigError(f"no possible value of {variable}" + (f" given {parent_value}" if parent_value else ""))
        values = list(dist)
        p = np.array([dist[v] for v in values])
        return values[int(rng.choice(len(values), p=p / p.sum()))]

    def sample_frames(self, rng: np.random.Generator, action: str | None = None) -> int:
        """The number of frames of one video of ``action`` from the length distribution."""
        lc = self.config.length
        if lc.distribution == "fixed":
            return int(lc.frames if lc.frames is not None else self.base.frames)
        if lc.distribution == "action":
            from phav.actions import get_action

            at_least = int(lc.frames if lc.frames is not None else self.base.frames)
            if action is None:
                return at_least
            return max(at_least, get_action(action).frames_needed(self.base.fps))
        if lc.distribution == "uniform":
            return int(rng.integers(lc.min, lc.max + 1))
        return int(np.clip(round(rng.normal(lc.mean, lc.std)), lc.min, lc.max))

    def sample(self, rng: np.random.Generator, *, action: str | None = None, seed: int = 0) -> VideoSpec:
        """One spec drawn ancestrally from ``rng`` (``action`` fixed: conditioned on the class).

        The returned spec names its clip explicitly, so its folder name is known without a scenario.
        """
        values: dict[str, str] = {}
        if action is None:
            values["action"] = self._draw(rng, "action")
        else:
            if action not in self.allowed["action"]:
                raise ConfigError(f"class {action!r} is not available; available: {', '.join(self.allowed['action'])}")
            values["action"] = action
        values["clip"] = self._draw(rng, "clip", values["action"])
        values["actor"] = self._draw(rng, "actor")
        values["environment"] = self._draw(rng, "environment", values["action"])
        values["camera"] = self._draw(rng, "camera", values["environment"])
        for var in ("day_phase", "weather"):
            values[var] = self._draw(rng, var)
        values["variation"] = self._draw(rng, "variation", values["action"])
        frames = self.sample_frames(rng, values["action"])
        return self.base.replace(**values, frames=frames, seed=seed)

    # ---- enumeration ------------------------------------------------------------------------
    def enumerate(self, *, limit: int | None = None) -> Iterator[tuple[dict[str, str], float]]:
        """Every discrete combination with positive probability and its probability (action drawn
        from its own distribution, not balanced). Probabilities sum to 1 over the full enumeration."""
        count = 0
        independent = ("actor", "day_phase", "weather", "variation")
        for action, pa in self._feasible_dist("action").items():
            for clip, pc in self.distribution("clip", action).items():
                for env, pe in self._feasible_dist("environment", action).items():
                    for cam, pk in self.distribution("camera", env).items():
                        dists = [self.distribution(v, action if v == "variation" else None) for v in independent]
                        for combo in itertools.product(*(d.items() for d in dists)):
                            p = pa * pc * pe * pk * math.prod(q for _, q in combo)
                            values = {"action": action, "clip": clip, "environment": env, "camera": cam}
                            values.update({v: val for v, (val, _) in zip(independent, combo)})
                            yield values, p
                            count += 1
                            if limit is not None and count >= limit:
                                return

    def _feasible_dist(self, variable: str, parent_value: str | None = None) -> dict[str, float]:
        dist = {v: p for v, p in self.distribution(variable, parent_value).items() if self._feasible(variable, v)}
        total = sum(dist.values())
        return {v: p / total for v, p in dist.items()} if total > 0 else {}

    def space_size(self) -> int:
        """Number of discrete combinations with positive probability."""
        return sum(1 for _ in self.enumerate())

    # ---- balanced plans ---------------------------------------------------------------------
    def planned(self, seed: int, action: str, index: int) -> VideoSpec:
        """Planned video ``index`` of class ``action`` under global ``seed`` (independent of the others)."""
        return self.sample(plan_key_rng(seed, action, index), action=action, seed=video_seed(seed, action, index))

    def classes(self, names: Sequence[str] | None = None) -> list[str]:
        """The classes to plan: ``names`` checked against the available ones, or every available
        class that has a possible video under the constraints and options (e.g. with variation b
        only, the classes that combine with blending).

        Raises:
            ConfigError: an unknown class, a named class without a possible video (the message
                says why), or no class with one.
        """
        if not names:
            feasible = [a for a in self.allowed["action"] if self._feasible("action", a)]
            if not feasible:
                raise ConfigError("the constraints and options leave no class a possible video; relax them")
            return feasible
        bad = [n for n in names if n not in self.allowed["action"]]
        if bad:
            raise ConfigError(
                f"unknown class {', '.join(map(repr, bad))}; valid classes: {', '.join(self.allowed['action'])}")
        for name in names:
            if not self._feasible("action", name):
                raise ConfigError(f"class {name} has no possible video: {self._infeasible_reason(name)}; "
                                  f"relax the options or leave {name} out of the classes")
        return list(dict.fromkeys(names))

    def longest_frames(self) -> int | None:
        """The most frames a video can get from the length distribution (``None``: the ``action``
        distribution, which gives every class at least what it needs)."""
        lc = self.config.length
        if lc.distribution == "action":
            return None
        if lc.distribution == "fixed":
            return int(lc.frames if lc.frames is not None else self.base.frames)
        return int(lc.max)

    def too_short(self, names: Sequence[str]) -> dict[str, int]:
        """The classes of ``names`` that need more frames to show their action (their recipe's
        duration at the base fps) than any video can get (:meth:`longest_frames`), with the frames
        each needs; their videos may fail their action check and be retried."""
        from phav.actions import get_action

        longest = self.longest_frames()
        if longest is None:
            return {}
        needed = {name: get_action(name).frames_needed(self.base.fps) for name in names}
        return {name: n for name, n in needed.items() if n > longest}

    def _infeasible_reason(self, action: str) -> str:
        """Why the constraints and options leave ``action`` no video (for :meth:`classes`)."""
        if not self.distribution("clip", action):
            return "the constraints allow none of its clips"
        if not self.distribution("variation", action):
            return (f"it combines only with variations {', '.join(sorted(_action_variations(action)))}, "
                    f"and the options allow {', '.join(self.allowed['variation'])}")
        return (f"it does not take place in {', '.join(sorted(_action_excluded_environments(action)))}, "
                f"and the options allow only {', '.join(self.allowed['environment'])}")

    def sample_balanced(self, n: int, seed: int, classes: Sequence[str] | None = None) -> list[VideoSpec]:
        """``n`` specs whose classes are balanced: each run of ``len(classes)`` videos holds every class
        once, in an order shuffled per run from ``seed``."""
        names = self.classes(classes)
        out = []
        for i in range(n):
            run, pos = divmod(i, len(names))
            order = np.random.Generator(np.random.PCG64(derive_seed("phav-balance", seed, run))).permutation(len(names))
            out.append(self.planned(seed, names[int(order[pos])], run))
        return out

    def sample_free(self, n: int, seed: int) -> list[VideoSpec]:
        """``n`` specs with the action drawn from its own distribution (no balancing)."""
        out = []
        for i in range(n):
            rng = np.random.Generator(np.random.PCG64(derive_seed("phav-free", seed, i)))
            out.append(self.sample(rng, seed=derive_seed("phav-free-video", seed, i) % SEED_LIMIT))
        return out


#: Default distributions where not uniform.
_DEFAULTS = {"camera": VariableConfig(distribution="phav")}

_ENUMS = {"environment": Environment, "camera": CameraKind, "day_phase": DayPhase, "weather": Weather,
          "variation": Variation}


def _phav_camera(values: Sequence[str], environment: str | None) -> dict[str, float]:
    """PHAV's camera given the environment: Indoor exactly in House; elsewhere Kite-dominated."""
    if environment == Environment.HOUSE.value:
        return {v: (1.0 if v == CameraKind.INDOOR.value else 0.0) for v in values}
    return {v: PHAV_CAMERA_WEIGHTS.get(v, 0.0) for v in values}

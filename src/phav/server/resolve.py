"""A request (a full or partial spec and a seed) -> the full :class:`~phav.spec.VideoSpec` it stands for.

The variables a request leaves out are drawn from the sampling model (:class:`~phav.sampling.SpecModel`)
with a generator derived from the request's seed, conditioned on the variables it gives (a given
action conditions the clip, a given environment the camera). So the same request always resolves to
the same spec, and so to the same video id (:meth:`VideoSpec.video_id`). Nothing here needs a web
framework.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from phav.actions import get_action
from phav.frames import MODALITIES
from phav.sampling import NAMED, PARENTS, SEED_LIMIT, VARIABLES, ConfigError, SpecModel, available_values
from phav.seeding import video_rng
from phav.server.limits import Limits
from phav.server.render_job import api_message
from phav.spec import CameraKind, Environment, VideoSpec
from phav.worlds.cameras import check_camera


class RequestError(ValueError):
    """A request that cannot be made into a video; the message says which field and why (HTTP 422)."""


#: The numeric fields a request may give.
NUMERIC = ("frames", "fps", "width", "height")


class Resolver:
    """Resolves requests against the variables implemented now and the server's limits.

    Args:
        limits: the server's bounds and defaults.
        available: the values of each variable (default :func:`~phav.sampling.available_values`).
    """

    def __init__(self, limits: Limits, available: Mapping[str, Any] | None = None) -> None:
        self.limits = limits
        self.available = dict(available or available_values())

    def parameters(self) -> dict[str, Any]:
        """Every variable with its allowed values or range, and the sampling model's distributions.

        ``variables[name]`` holds ``values`` (``clip``: ``values_by_action``), ``parent`` (the
        variable it is conditioned on, or ``None``) and ``distribution`` (the sampling model's
        probabilities when the request leaves the variable out; for ``clip`` and ``camera`` per
        parent value). ``numeric[name]`` holds ``min``, ``max`` and ``default``; a request that
        leaves out ``frames`` gets the more of that default and what its action needs at its fps
        (``variables["action"]["frames_needed"]``, at the default fps), at most ``max``.
        """
        model = SpecModel(base=self._base({}), available=self.available)
        variables: dict[str, Any] = {}
        for var in VARIABLES:
            parent = PARENTS.get(var)
            entry: dict[str, Any] = {"parent": parent, "named_distributions": list(NAMED[var])}
            if var == "clip":
                entry["values_by_action"] = {a: list(c) for a, c in self.available["clip"].items()}
            else:
                entry["values"] = list(self.available[var])
            if parent is None:
                entry["distribution"] = model.distribution(var)
            else:
                entry["distribution_given"] = {p: model.distribution(var, p) for p in self.available[parent]}
            variables[var] = entry
        lim = self.limits
        variables["action"]["frames_needed"] = {a: get_action(a).frames_needed(lim.default_fps)
                                                for a in self.available["action"]}
        return {
            "variables": variables,
            "numeric": {
                "frames": {"min": 1, "max": lim.max_frames, "default": lim.default_frames},
                "width": {"min": lim.min_size, "max": lim.max_width, "default": lim.default_width},
                "height": {"min": lim.min_size, "max": lim.max_height, "default": lim.default_height},
                "fps": {"min": lim.min_fps, "max": lim.max_fps, "default": lim.default_fps},
                "seed": {"min": 0, "max": SEED_LIMIT - 1, "default": 0},
            },
            "modalities": list(MODALITIES),
            "quality": lim.quality,
            "max_queue": lim.max_queue,
        }

    def _base(self, numbers: Mapping[str, Any]) -> VideoSpec:
        lim = self.limits
        return VideoSpec(
            frames=numbers.get("frames") if numbers.get("frames") is not None else lim.default_frames,
            fps=numbers.get("fps") if numbers.get("fps") is not None else lim.default_fps,
            width=numbers.get("width") if numbers.get("width") is not None else lim.default_width,
            height=numbers.get("height") if numbers.get("height") is not None else lim.default_height,
        )

    def _check_numbers(self, request: Mapping[str, Any]) -> None:
        lim = self.limits
        bounds = {"frames": (1, lim.max_frames), "width": (lim.min_size, lim.max_width),
                  "height": (lim.min_size, lim.max_height)}
        for name, (low, high) in bounds.items():
            value = request.get(name)
            if value is not None and not low <= value <= high:
                raise RequestError(f"{name} must be in {low}..{high} on this server, got {value}")
        fps = request.get("fps")
        if fps is not None and not lim.min_fps <= fps <= lim.max_fps:
            raise RequestError(f"fps must be in {lim.min_fps:g}..{lim.max_fps:g} on this server, got {fps:g}")
        seed = request.get("seed", 0)
        if not 0 <= seed < SEED_LIMIT:
            raise RequestError(f"seed must be in 0..{SEED_LIMIT - 1}, got {seed}")

    def resolve(self, request: Mapping[str, Any]) -> VideoSpec:
        """The full spec of ``request`` (keys: the spec's variables, :data:`NUMERIC`, ``seed``; ``None``
        or absent = sampled / default).

        Raises:
            RequestError: an unknown or unavailable value, or a number outside the limits.
        """
        unknown = sorted(set(request) - set(VARIABLES) - set(NUMERIC) - {"seed"})
        if unknown:
            raise RequestError(f"unknown fields {unknown}; valid: {', '.join(VARIABLES + NUMERIC + ('seed',))}")
        self._check_numbers(request)
        given = {v: request[v] for v in VARIABLES if request.get(v) is not None}
        for var, value in given.items():
            if var == "clip":
                continue
            if value not in self.available[var]:
                raise RequestError(f"{var} {value!r} is not available; choose one of: {', '.join(self.available[var])}")
        seed = int(request.get("seed") or 0)
        fps = request.get("fps") if request.get("fps") is not None else self.limits.default_fps
        available = self.available
        if request.get("frames") is None:
            if "action" in given:
                self._check_fits(given["action"], fps)
            else:  # a drawn action must fit this server's frames: its video is as long as the action needs
                fit = [a for a in available["action"] if get_action(a).frames_needed(fps) <= self.limits.max_frames]
                if not fit:
                    raise RequestError(f"no action fits {self.limits.max_frames} frames at {fps:g} fps; "
                                       "give a lower fps, or give frames")
                available = {**available, "action": fit}
        # the parents (action, environment) and the independent variables condition the sampling;
        # a given child (clip, camera) replaces the drawn one, so any implemented pairing is allowed
        fixed: dict[str, Any] = {v: x for v, x in given.items() if v not in PARENTS and v != "action"}
        if "camera" in given and "environment" not in given:  # PHAV's rule: Indoor exactly in House
            house = Environment.HOUSE.value
            indoor = given["camera"] == CameraKind.INDOOR.value
            fixed["environment"] = [e for e in self.available["environment"] if (e == house) == indoor]
            if not fixed["environment"]:
                raise RequestError(f"camera {given['camera']!r} has no environment it may film here")
        model = SpecModel(base=self._base(request), fixed=fixed, available=available)
        try:
            spec = model.sample(video_rng(seed, "server-request"), action=given.get("action"), seed=seed)
        except ConfigError as exc:  # e.g. a variation the given action does not combine with
            raise RequestError(f"no video matches the request: {exc}") from None
        if "clip" in given:
            clips = self.available["clip"].get(spec.action, [])
            if given["clip"] not in clips:
                raise RequestError(f"clip {given['clip']!r} is not a clip of {spec.action}; choose one of: "
                                   f"{', '.join(clips)}")
            spec = spec.replace(clip=given["clip"])
        if "camera" in given:
            spec = spec.replace(camera=given["camera"])
        if request.get("frames") is None:  # as long as the action needs (the CLI's sample and dataset do so)
            spec = spec.replace(frames=max(self.limits.default_frames, get_action(spec.action).frames_needed(spec.fps)))
        try:
            check_camera(spec.environment, spec.camera)
            return spec.validate()
        except ValueError as exc:
            raise RequestError(api_message(exc)) from None

    def _check_fits(self, action: str, fps: float) -> None:
        """A :class:`RequestError` when ``action`` needs more than this server's frames at ``fps``."""
        recipe, most = get_action(action), self.limits.max_frames
        needed = recipe.frames_needed(fps)
        if needed <= most:
            return
        slowest = math.floor(most / recipe.duration * 100) / 100  # fps at which the action fits
        advice = (f"give fps {slowest:g} or lower" if slowest >= self.limits.min_fps else "choose another action")
        raise RequestError(f"{action} needs {needed} frames at {fps:g} fps ({recipe.duration:g} s), more than this "
                           f"server's most, {most}; {advice}, or give frames (a shorter take may not show the action)")

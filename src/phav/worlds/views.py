"""Views: the sides from which an action must be seen, and camera rigs placed to honour them.

An action whose movement shows only from some sides (hands in front of the chest, a bar's posts
beside the body, two people side by side) declares a *view* (:attr:`phav.actions.ActionRecipe.view`):
sectors of the camera's azimuth about the person, in degrees, measured counter-clockwise seen
from above from the direction the person faces at the start (0: the camera straight ahead of the
person, looking at its front; 90: on its left; 180 or -180: behind it). :data:`VIEWS` names the
usual ones; a recipe may give its own sectors.

:func:`in_view` moves a sampled rig into the sectors without drawing any random number: the rig's
sampled angle about the person (uniform over the angles the rig draws from, its *domain*) is mapped
linearly, in order, onto the sectors (their part within the domain where there is one), so the
camera is uniform over the sectors and the same seed gives the same camera. Actions without a
view keep the rig as drawn. Following rigs (Kite, CloseUp, Handheld) keep the mapped azimuth for
the whole video; the Orbital rig's start is mapped so that its orbit over the video stays in one
sector where the sector is wide enough; the Tripod rig measures its side angle from the person's
start heading (:attr:`phav.worlds.cameras.TripodRig.facing`) instead of the direction of travel
and, where geometry is in the way, tries spots in the sectors first (``view_deg``); the
Indoor rig, fixed in a room corner, is left as it is.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence, Union

from phav.worlds.cameras import HandheldRig, KiteRig, OrbitalRig, TripodRig, in_sectors  # noqa: F401 (re-exported)

#: Sectors of a view: ``((low, high), ...)`` in degrees, ``low < high``, about the person relative
#: to its start heading (counter-clockwise seen from above).
Sectors = tuple[tuple[float, float], ...]
#: What a recipe declares: a name in :data:`VIEWS` or its own sectors.
ViewSpec = Union[str, Sequence[Sequence[float]]]

#: The named views (degrees):
#:
#: * ``front``: the front half widened to 100 degrees either side, for actions done with the hands
#:   in front of the body (clapping, catching, picking up), hidden by the back;
#: * ``oblique``: 30-120 degrees to either side, for what points or reaches forward (a gun aimed,
#:   a bow drawn, a jug tilted over a glass), hidden by the back and foreshortened from straight ahead;
#: * ``front_or_back``: within 60 degrees of straight ahead or straight behind, for what happens
#:   beside the body (two people side by side, a bar's posts at the sides, sideways lurches);
#: * ``side``: 45-135 degrees to either side, for two people face to face (seen from the side both
#:   show, from the front one hides the other).
VIEWS: dict[str, Sectors] = {
    "front": ((-100.0, 100.0),),
    "oblique": ((-120.0, -30.0), (30.0, 120.0)),
    "front_or_back": ((-60.0, 60.0), (120.0, 240.0)),
    "side": ((-135.0, -45.0), (45.0, 135.0)),
}

#: The whole circle, degrees: the domain of the rigs that draw any azimuth.
FULL_CIRCLE: Sectors = ((-180.0, 180.0),)
#: The Tripod rig's domain: its side angle, 30-150 degrees to either side of the person.
TRIPOD_DOMAIN: Sectors = ((-150.0, -30.0), (30.0, 150.0))


def view_sectors(view: ViewSpec) -> Sectors:
    """The sectors of ``view`` (a name in :data:`VIEWS` or sectors, degrees), checked: each
    ``low < high`` with at most 360 degrees in all and no two overlapping (angles modulo 360).

    Raises:
        ValueError: an unknown name or malformed sectors; the message says which and lists the names.
    """
    if isinstance(view, str):
        try:
            return VIEWS[view]
        except KeyError:
            raise ValueError(f"unknown view {view!r}; named views: {', '.join(VIEWS)}, "
                             "or sectors ((low, high), ...) in degrees") from None
    try:
        sectors = tuple((float(lo), float(hi)) for lo, hi in view)
    except (TypeError, ValueError):
        raise ValueError(f"a view is a name ({', '.join(VIEWS)}) or sectors ((low, high), ...) in degrees, "
                         f"got {view!r}") from None
    if not sectors or any(not (math.isfinite(lo) and math.isfinite(hi) and lo < hi) for lo, hi in sectors):
        raise ValueError(f"view sectors must be finite (low, high) pairs with low < high, degrees; got {view!r}")
    if sum(hi - lo for lo, hi in sectors) > 360.0 + 1e-9:
        raise ValueError(f"view sectors cover more than 360 degrees: {view!r}")
    for i, (lo, hi) in enumerate(sectors):
        for lo2, hi2 in sectors[i + 1:]:
            shift = (lo2 - lo) % 360.0  # the second sector's start, counted from the first's
            if shift < hi - lo or 360.0 - shift < hi2 - lo2:
                raise ValueError(f"view sectors overlap: {(lo, hi)} and {(lo2, hi2)}")
    return sectors


def wrap_deg(angle: float) -> float:
    """``angle`` (degrees) wrapped into ``[-180, 180)``."""
    return (angle + 180.0) % 360.0 - 180.0


def _intersect(a: Sectors, b: Sectors) -> Sectors:
    """The parts of ``a`` that lie in ``b`` (degrees; each part in the turn of its sector of ``a``),
    in ``a``'s order, each sector's parts from low to high."""
    out: list[tuple[float, float]] = []
    for lo, hi in a:
        parts = []
        for lo2, hi2 in b:
            for turn in (-360.0, 0.0, 360.0):
                x, y = max(lo, lo2 + turn), min(hi, hi2 + turn)
                if y > x + 1e-9:
                    parts.append((x, y))
        out += sorted(parts)
    return tuple(out)


def _along(angle: float, arcs: Sectors) -> float:
    """How far (degrees) ``angle`` lies along ``arcs`` taken in order, each from low to high; an
    angle outside them counts as the nearest end of one."""
    done, nearest = 0.0, (math.inf, 0.0)
    for lo, hi in arcs:
        a = lo + (angle - lo) % 360.0
        if a <= hi + 1e-9:
            return done + min(a - lo, hi - lo)
        for end, at in ((lo, done), (hi, done + hi - lo)):
            nearest = min(nearest, (abs(wrap_deg(angle - end)), at))
        done += hi - lo
    return nearest[1]


def map_angle(angle: float, domain: Sectors, target: Sectors) -> float:
    """``angle`` (degrees, in ``domain``) mapped linearly and in order onto ``target`` (degrees).

    The distance along ``domain``'s sectors (in their order, each low to high), scaled by the ratio
    of the lengths, is the distance along ``target``'s, so a uniform angle in ``domain`` becomes
    uniform in ``target``. Over the whole circle (one sector of 360 degrees) the count starts where
    the middle of the first target sector maps to itself (a camera drawn straight ahead of the
    person stays there for a view that includes it; one drawn behind it stays behind for
    ``front_or_back``); otherwise at the start of ``domain``. An angle outside ``domain`` is taken
    at the nearest end of its sectors.
    """
    length = sum(hi - lo for lo, hi in domain)
    total = sum(hi - lo for lo, hi in target)
    if len(domain) == 1 and length >= 360.0 - 1e-9:
        lo1, hi1 = target[0]
        start = (lo1 + hi1) / 2.0 - (hi1 - lo1) / 2.0 * length / total
        where = (angle - start) % 360.0
    else:
        where = _along(angle, domain)
    left = where * total / length
    for lo, hi in target[:-1]:
        if left <= hi - lo:
            return lo + left
        left -= hi - lo
    lo, hi = target[-1]
    return lo + min(left, hi - lo)


def _orbit_targets(sectors: Sectors, sweep: float) -> Sectors:
    """Start angles (degrees) of an orbit turning ``sweep`` degrees (signed) that stays inside one
    of ``sectors``: each sector shortened by the sweep at the end the orbit goes to, or its middle
    point where the sector is narrower than the sweep."""
    out = []
    for lo, hi in sectors:
        if hi - lo > abs(sweep):
            out.append((lo, hi - sweep) if sweep >= 0 else (lo - sweep, hi))
        else:
            mid = (lo + hi - sweep) / 2.0
            out.append((mid, mid + 1e-9))
    return tuple(out)


def _world(heading: float, relative_deg: float) -> float:
    """The world azimuth (radians, in ``[-pi, pi)``) ``relative_deg`` degrees from ``heading`` (radians)."""
    return math.remainder(heading + math.radians(relative_deg), 2.0 * math.pi)


def relative_azimuth_deg(rig: object, heading: float) -> float | None:
    """Where ``rig`` puts its camera at the start about a person heading ``heading`` (radians):
    degrees from the heading in ``[-180, 180)``, counter-clockwise seen from above; the Tripod
    rig's side angle (from its ``facing``, else from the direction of travel); ``None`` for a rig
    whose place is not known before the simulation (Indoor)."""
    if isinstance(rig, (KiteRig, HandheldRig)):
        return wrap_deg(math.degrees(rig.azimuth - heading))
    if isinstance(rig, OrbitalRig):
        return wrap_deg(math.degrees(rig.start_azimuth - heading))
    if isinstance(rig, TripodRig):
        return wrap_deg(math.degrees(rig.side_angle))
    return None


def in_view(rig: object, view: ViewSpec | None, heading: float, duration: float = 0.0) -> object:
    """``rig`` placed to see, from the sectors of ``view``, a person whose start heading is
    ``heading`` (radians), for a video of ``duration`` seconds (the Orbital rig's sweep); ``rig``
    itself without a view or for a rig it does not place (Indoor, or any other object).

    The rig's sampled angle about the person is mapped by :func:`map_angle` from the rig's domain
    (:data:`FULL_CIRCLE`, or :data:`TRIPOD_DOMAIN` for the Tripod rig's side angle) onto the
    sectors (for the Tripod, their part within its domain, where they have one; for the Orbital,
    each sector shortened by the orbit's sweep over ``duration``). No random number is drawn.
    """
    if view is None:
        return rig
    sectors = view_sectors(view)
    drawn = relative_azimuth_deg(rig, heading)
    if isinstance(rig, (KiteRig, HandheldRig)):  # CloseUpRig is a KiteRig
        return dataclasses.replace(rig, azimuth=_world(heading, map_angle(drawn, FULL_CIRCLE, sectors)))
    if isinstance(rig, OrbitalRig):
        targets = _orbit_targets(sectors, math.degrees(rig.angular_speed * duration))
        return dataclasses.replace(rig, start_azimuth=_world(heading, map_angle(drawn, FULL_CIRCLE, targets)))
    if isinstance(rig, TripodRig):
        relative = map_angle(drawn, TRIPOD_DOMAIN, _intersect(TRIPOD_DOMAIN, sectors) or sectors)
        return dataclasses.replace(rig, side_angle=math.radians(wrap_deg(relative)), facing=float(heading),
                                   view_deg=sectors)
    return rig


def record_view(take: Any, view: ViewSpec | None, rig: object) -> None:
    """Record ``view`` in ``take.meta["camera"]["view"]`` (its name, or its sectors in degrees)
    where it placed ``rig`` (:func:`in_view`): nothing without a view or for a rig it leaves as it is."""
    if view is None or relative_azimuth_deg(rig, 0.0) is None:
        return
    take.meta["camera"]["view"] = view if isinstance(view, str) else [list(s) for s in view_sectors(view)]

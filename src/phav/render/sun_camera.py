"""The sun's light cameras (plain numpy, no GL): the orthographic camera of each shadow cascade,
fitted to a slab of the view frustum, and :class:`SunFrames`, a take's per-frame camera and sun
data computed once so that a frame's fits cost next to nothing. The design (two cascades, the far
one fixed in the world on one texel lattice) is described in :mod:`phav.render.shadows`, which
re-exports every public name here.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np

from phav.take import Take

#: Metres the light camera's depth range extends towards the sun beyond the fitted sphere.
CASTER_MARGIN = 60.0
#: The sun casts shadows only above this elevation (sine of the angle above the horizon).
MIN_SUN_ELEVATION = 0.01
#: ... and when its brightest channel exceeds this irradiance.
MIN_SUN_IRRADIANCE = 1e-4
#: The far cascade's footprint radius is this fraction larger than its frustum slab's sphere: the
#: camera may move about that fraction of the sphere's radius before the far cascade is re-fitted
#: (and its static casters redrawn); its texels are that much coarser than a tight fit's.
FAR_PADDING = 0.2
# The fitted radius is rounded up to this many metres so it does not change with tiny zooms.
_RADIUS_STEP = 0.25


@dataclasses.dataclass(frozen=True)
class ShadowFit:
    """The light camera of one frame.

    Attributes:
        camera_to_light_clip: ``(4, 4) float64`` camera frame at t (OpenCV, metres) -> light clip
            space (orthographic: x, y, z in [-1, 1] inside the map; z = -1 nearest the sun).
        texel_size: metres per shadow-map texel.
        depth_range: metres the clip z range [-1, 1] spans along the light direction.
        world_to_light_clip: ``(4, 4) float64`` world frame -> the same light clip space.
    """

    camera_to_light_clip: np.ndarray
    texel_size: float
    depth_range: float
    world_to_light_clip: np.ndarray


def _sun_elevation(take: Take, t: int) -> float:
    """Sine of the sun's angle above the horizon in frame ``t``."""
    sun = np.asarray(take.sun_direction[t], dtype=np.float64)
    return sun[2] / max(np.linalg.norm(sun), 1e-12)


def sun_casts_shadows(take: Take, t: int) -> bool:
    """Whether the sun of frame ``t`` is above the horizon and switched on."""
    return bool(_sun_elevation(take, t) > MIN_SUN_ELEVATION and np.max(take.sun_color[t]) > MIN_SUN_IRRADIANCE)


def frustum_corners(K: np.ndarray, width: int, height: int, near: float, far: float) -> np.ndarray:
    """``(8, 3) float64`` corners of the view frustum between z-depths ``near`` and ``far``, camera
    frame (the image's outer pixel edges, continuous pixel coordinates -0.5 and size - 0.5); with
    ``(..., 3, 3)`` intrinsics ``K``, ``(..., 8, 3)``."""
    K = np.asarray(K, dtype=np.float64)
    u = np.array([-0.5, width - 0.5, -0.5, width - 0.5])  # the image's corners, rows first
    v = np.array([-0.5, -0.5, height - 0.5, height - 0.5])
    dirs = np.empty(K.shape[:-2] + (4, 3))
    dirs[..., 0] = (u - K[..., 0, 2, None]) / K[..., 0, 0, None]
    dirs[..., 1] = (v - K[..., 1, 2, None]) / K[..., 1, 1, None]
    dirs[..., 2] = 1.0
    return np.concatenate([dirs * near, dirs * far], axis=-2)


def sun_unit_direction(take: Take, t: int) -> np.ndarray:
    """``(3,) float64`` unit vector towards the sun of frame ``t``."""
    to_sun = np.asarray(take.sun_direction[t], dtype=np.float64)
    return to_sun / max(np.linalg.norm(to_sun), 1e-12)


def _light_axes(to_sun: np.ndarray) -> np.ndarray:
    """``(3, 3)`` world -> light axes (rows x, y, z); +z points at the sun."""
    hint = np.array([0.0, 0.0, 1.0]) if abs(to_sun[2]) < 0.99 else np.array([0.0, 1.0, 0.0])
    x = np.cross(hint, to_sun)
    x /= np.linalg.norm(x)
    y = np.cross(to_sun, x)
    return np.stack([x, y, to_sun])


def camera_inverses(take: Take) -> np.ndarray:
    """``(T, 4, 4) float64`` camera -> world of every frame (``np.linalg.inv`` of the take's
    ``camera_world_to_camera``)."""
    return np.linalg.inv(np.asarray(take.camera_world_to_camera, dtype=np.float64))


class SunFrames:
    """The camera and sun quantities every light camera of a take needs, computed once per take
    (the light cameras of each frame then cost no matrix inversion or axis construction):
    camera-to-world matrices, unit sun directions and the light axes of each distinct sun
    direction. The values are exactly those computed frame by frame (``np.linalg.inv``,
    :func:`sun_unit_direction`, :func:`_light_axes`).

    Args:
        take: the take; read once here (its arrays must not change afterwards).
        camera_to_world: ``(T, 4, 4) float64`` :func:`camera_inverses` of ``take``, if computed
            already (the renderer computes them once per take).
    """

    def __init__(self, take: Take, camera_to_world: np.ndarray | None = None):
        self.take = take
        self.camera_to_world = camera_inverses(take) if camera_to_world is None else camera_to_world
        # Frames share their sun direction (a take's sun rarely moves): computed once per distinct one.
        distinct: dict[bytes, int] = {}
        self._sun_index = [distinct.setdefault(row.tobytes(), len(distinct))
                           for row in np.asarray(take.sun_direction, dtype=np.float64)]
        self._to_sun_of: list[np.ndarray | None] = [None] * len(distinct)
        self._axes_of: list[np.ndarray | None] = [None] * len(distinct)
        self._casts: list[bool] | None = None
        self._spheres: dict[tuple[float, float], tuple[np.ndarray, np.ndarray]] = {}
        self._fits: dict[tuple[float, float, int], list[ShadowFit]] = {}

    def to_sun(self, t: int) -> np.ndarray:
        """``(3,) float64`` unit vector towards the sun of frame ``t`` (:func:`sun_unit_direction`)."""
        i = self._sun_index[t]
        to_sun = self._to_sun_of[i]
        if to_sun is None:
            to_sun = self._to_sun_of[i] = sun_unit_direction(self.take, t)
        return to_sun

    def casts_shadows(self, t: int) -> bool:
        """:func:`sun_casts_shadows` of frame ``t`` (every frame's decided at the first call)."""
        if self._casts is None:
            take = self.take
            first = {i: t for t, i in reversed(list(enumerate(self._sun_index)))}  # a frame of each sun
            high = {i: _sun_elevation(take, t) > MIN_SUN_ELEVATION for i, t in first.items()}
            bright = np.max(np.asarray(take.sun_color), axis=1) > MIN_SUN_IRRADIANCE
            self._casts = [high[i] and bool(b) for i, b in zip(self._sun_index, bright)]
        return self._casts[t]

    def light_axes(self, t: int) -> np.ndarray:
        """``(3, 3)`` world -> light axes of frame ``t``'s sun (rows x, y, z; +z at the sun)."""
        i = self._sun_index[t]
        axes = self._axes_of[i]
        if axes is None:
            axes = self._axes_of[i] = _light_axes(self.to_sun(t))
        return axes

    def slab_spheres(self, near: float, distance: float) -> tuple[np.ndarray, np.ndarray]:
        """Every frame's sphere around the view frustum from ``near`` to ``distance`` metres:
        world centres ``(T, 3)`` and radii ``(T,)``, metres (computed once per range)."""
        key = (near, distance)
        spheres = self._spheres.get(key)
        if spheres is None:
            spheres = self._spheres[key] = _slab_spheres(self.take, near, distance, self.camera_to_world)
        return spheres

    def slab_sphere(self, t: int, near: float, distance: float) -> tuple[np.ndarray, float]:
        """Frame ``t``'s sphere of :meth:`slab_spheres`: centre ``(3,)`` and radius."""
        centres, radii = self.slab_spheres(near, distance)
        return centres[t], float(radii[t])

    def shadow_fit(self, t: int, near: float, distance: float, map_size: int) -> ShadowFit:
        """:func:`sun_shadow_fit` of frame ``t`` (every frame's computed at once, once per range)."""
        key = (near, distance, map_size)
        fits = self._fits.get(key)
        if fits is None:
            fits = self._fits[key] = sun_shadow_fits(self.take, near, distance, map_size, self)
        return fits[t]


def _slab_spheres(take: Take, near: float, distance: float,
                  camera_to_world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """World centres ``(T, 3)`` and radii ``(T,)`` (metres) of spheres around every frame's view
    frustum from ``near`` to ``distance`` metres: the centre of the box around its corners, the
    radius to the farthest corner. ``camera_to_world``: ``(T, 4, 4)``."""
    K = np.asarray(take.camera_K, dtype=np.float64)
    corners = frustum_corners(K, take.width, take.height, near, max(distance, near * 2.0))
    world = corners @ np.swapaxes(camera_to_world[:, :3, :3], -1, -2) + camera_to_world[:, None, :3, 3]
    centre = 0.5 * (world.min(axis=1) + world.max(axis=1))
    return centre, np.max(np.linalg.norm(world - centre[:, None], axis=2), axis=1)


def _round_radius(radius: float) -> float:
    return math.ceil(radius / _RADIUS_STEP) * _RADIUS_STEP


def _light_camera(rot: np.ndarray, c: np.ndarray, radius: float | np.ndarray) -> tuple[np.ndarray, float | np.ndarray]:
    """World -> light clip ``(..., 4, 4)`` of the orthographic camera with axes ``rot``
    ``(..., 3, 3)`` centred on light-axis point ``c`` ``(..., 3)`` (square half-side ``radius``
    ``(...)``), and its depth range, metres ``(...)``."""
    radius = np.asarray(radius, dtype=np.float64)
    view = np.zeros(radius.shape + (4, 4))
    view[..., :3, :3] = rot
    view[..., :3, 3] = -c
    view[..., 3, 3] = 1.0
    z_near, z_far = radius + CASTER_MARGIN, -radius  # light-axis z of the clip planes
    span = z_near - z_far
    ortho = np.zeros(radius.shape + (4, 4))
    ortho[..., 0, 0] = ortho[..., 1, 1] = 1.0 / radius
    ortho[..., 2, 2] = -2.0 / span
    ortho[..., 2, 3] = (z_near + z_far) / span
    ortho[..., 3, 3] = 1.0
    return ortho @ view, (float(span) if span.ndim == 0 else span)


def sun_shadow_fits(take: Take, near: float, distance: float, map_size: int,
                    frames: SunFrames | None = None) -> list[ShadowFit]:
    """The orthographic light camera of every frame of ``take`` covering the view frustum from
    ``near`` to ``distance`` metres (see the module docstring), in one vectorised pass
    (:func:`sun_shadow_fit` is one row). ``frames``: the take's :class:`SunFrames`, to reuse."""
    frames = frames if frames is not None else SunFrames(take)
    T = take.num_frames
    centre, radius = frames.slab_spheres(near, distance)
    radius = np.ceil(radius / _RADIUS_STEP) * _RADIUS_STEP  # _round_radius
    rot = np.stack([frames.light_axes(t) for t in range(T)])
    texel = 2.0 * radius / map_size
    c = (rot @ centre[:, :, None])[:, :, 0]
    c[:, :2] = np.round(c[:, :2] / texel[:, None]) * texel[:, None]  # whole-texel steps: static shadows stay put
    world_to_clip, span = _light_camera(rot, c, radius)
    camera_to_clip = world_to_clip @ frames.camera_to_world
    return [ShadowFit(camera_to_clip[t], float(texel[t]), float(span[t]), world_to_clip[t]) for t in range(T)]


def sun_shadow_fit(take: Take, t: int, near: float, distance: float, map_size: int,
                   frames: SunFrames | None = None) -> ShadowFit:
    """The orthographic light camera of frame ``t`` covering the view frustum from ``near`` to
    ``distance`` metres (see the module docstring): row ``t`` of :func:`sun_shadow_fits`.
    ``frames``: the take's :class:`SunFrames`, whose cache of every frame's fit to use (without
    it, every frame's fit is computed for this one)."""
    frames = frames if frames is not None else SunFrames(take)
    return frames.shadow_fit(t, near, distance, map_size)


def cascade_count(distance: float, far_distance: float) -> int:
    """Cascades of the shadow map: the near one (to ``distance`` metres), and the far one when
    ``far_distance`` reaches beyond it (fitted by :class:`FarCascade`)."""
    return 2 if far_distance > distance else 1


class FarCascade:
    """The far cascade's light camera, fixed in the world until the frustum slab it covers leaves
    its footprint (see the module docstring). Plain numpy; one per take (the renderer's
    :class:`~phav.render.take_resources.TakeResources` makes it), or :meth:`reset` between takes.

    Args:
        map_size: side of the cascade's map, texels.
        padding: footprint radius over the slab sphere's radius, minus one (:data:`FAR_PADDING`).
    """

    def __init__(self, map_size: int, padding: float = FAR_PADDING):
        if padding < 0.0:
            raise ValueError(f"far cascade padding must be >= 0, got {padding}")
        self.map_size, self.padding = map_size, padding
        self.reset()

    def reset(self) -> None:
        """Forget the fitted camera: the next :meth:`update` fits afresh."""
        self._to_sun: np.ndarray | None = None
        self._rot = self._centre = self._world_to_clip = None
        self._centre_xyz: list[float] = []  # _centre as Python floats, for _contains
        self._rot_rows: list[list[float]] = []  # _rot as Python floats, for _contains
        self._radius = self._texel = self._span = 0.0

    def _contains(self, centre: list[float], radius: float) -> bool:
        """Whether the light camera's box holds the world sphere (``centre`` ``[x, y, z]``,
        ``radius``): on each light axis, ``|c - centre| + radius <= half side`` (float64
        arithmetic on Python floats: a frame's check costs a microsecond, not the ten of numpy
        calls on 3-vectors)."""
        x, y, z = centre
        (a0, a1, a2), (b0, b1, b2), (c0, c1, c2) = self._rot_rows
        ka, kb, kc = self._centre_xyz
        half = self._radius
        return (abs(a0 * x + a1 * y + a2 * z - ka) + radius <= half
                and abs(b0 * x + b1 * y + b2 * z - kb) + radius <= half
                and abs(c0 * x + c1 * y + c2 * z - kc) + radius <= half)

    def update(self, frames: SunFrames, t: int, distance: float, far_distance: float) -> tuple[ShadowFit, bool]:
        """The far cascade's light camera of frame ``t`` of ``frames.take`` (covering ``distance``
        to ``far_distance`` metres of the view frustum) and whether it was re-fitted this frame
        (then every cached static caster must be drawn again)."""
        return self.update_frames(frames, [t], distance, far_distance)[0]

    def update_frames(self, frames: SunFrames, ts: Sequence[int], distance: float,
                      far_distance: float) -> list[tuple[ShadowFit, bool]]:
        """:meth:`update` at each frame of ``ts`` in turn: the decisions frame by frame on Python
        floats, each fitted camera's products with the frames' cameras in one go."""
        centres, radii = frames.slab_spheres(distance, far_distance)
        ts = [int(t) for t in ts]
        centre_rows, radius_of = centres[ts].tolist(), radii[ts].tolist()
        fitted: list[tuple[np.ndarray, float, float]] = []  # (world_to_clip, texel, span) of each fit used
        which, refits = [], []  # per frame: its fit in fitted, whether it was re-fitted
        for i, t in enumerate(ts):
            radius = radius_of[i]
            to_sun = frames.to_sun(t)  # the same array for frames that share their sun
            refit = (self._to_sun is None or (to_sun is not self._to_sun and not np.array_equal(to_sun, self._to_sun))
                     or not self._contains(centre_rows[i], radius)
                     or self._radius > _round_radius(radius * (1.0 + self.padding) ** 2))  # zoomed in a lot
            if refit:
                self._fit(to_sun, centres[t], radius)
            if refit or not fitted:
                fitted.append((self._world_to_clip, self._texel, self._span))
            which.append(len(fitted) - 1)
            refits.append(refit)
        world_to_clip = np.stack([fit[0] for fit in fitted])[which]  # (F, 4, 4)
        camera_to_clip = world_to_clip @ frames.camera_to_world[ts]
        return [(ShadowFit(camera_to_clip[i], fitted[k][1], fitted[k][2], fitted[k][0]), refits[i])
                for i, k in enumerate(which)]

    def _fit(self, to_sun: np.ndarray, centre: np.ndarray, radius: float) -> None:
        """Fit the camera afresh to the slab sphere (``centre`` ``(3,)``, ``radius``) under the sun
        ``to_sun``: padded radius, centre on the one texel lattice."""
        wanted = _round_radius(radius * (1.0 + self.padding))
        self._to_sun, self._rot, self._radius = to_sun, _light_axes(to_sun), wanted
        self._rot_rows = self._rot.tolist()
        self._texel = 2.0 * wanted / self.map_size
        self._centre = np.round(self._rot @ centre / self._texel) * self._texel  # one texel lattice
        self._centre_xyz = self._centre.tolist()
        self._world_to_clip, self._span = _light_camera(self._rot, self._centre, wanted)

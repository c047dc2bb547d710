"""The sun's shadow map: orthographic light cameras fitted to two ranges of the view frustum.

:func:`sun_shadow_fit` is plain numpy (tested without GL). A light camera looks along the sun's
rays; its square footprint is the bounding sphere of a slab of the camera's view frustum, its
centre snapped to whole shadow-map texels so static shadows do not shimmer while the camera moves.
Its depth range reaches :data:`CASTER_MARGIN` metres further towards the sun than the sphere, so
tall casters outside the sphere (buildings, poles) still shadow it.

:func:`sun_shadow_cascades` makes two such cameras (cascades): the near one covers the frustum from
the near plane to ``settings.shadow_distance`` (the actor and their surroundings in every camera
rig) at full resolution, as a single map did; the far one covers ``shadow_distance`` to
``shadow_far_distance`` with as many texels, so distant casters (buildings, trees, cars) still
shadow the far ground, coarsely. The lighting pass uses the near cascade wherever it covers a
point, else the far one.

:class:`ShadowMap` owns the depth texture, an atlas of the cascades side by side (sampled with
hardware depth comparison and bilinear filtering, so each of the lighting pass's PCF taps is itself
a 2x2 comparison), and its framebuffer.
"""

from __future__ import annotations

import dataclasses

import moderngl
import numpy as np

from phav.take import Take

#: Metres the light camera's depth range extends towards the sun beyond the fitted sphere.
CASTER_MARGIN = 60.0
#: The sun casts shadows only above this elevation (sine of the angle above the horizon).
MIN_SUN_ELEVATION = 0.01
#: ... and when its brightest channel exceeds this irradiance.
MIN_SUN_IRRADIANCE = 1e-4
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
    """

    camera_to_light_clip: np.ndarray
    texel_size: float
    depth_range: float


def sun_casts_shadows(take: Take, t: int) -> bool:
    """Whether the sun of frame ``t`` is above the horizon and switched on."""
    sun = np.asarray(take.sun_direction[t], dtype=np.float64)
    elevation = sun[2] / max(np.linalg.norm(sun), 1e-12)
    return bool(elevation > MIN_SUN_ELEVATION and np.max(take.sun_color[t]) > MIN_SUN_IRRADIANCE)


def frustum_corners(K: np.ndarray, width: int, height: int, near: float, far: float) -> np.ndarray:
    """``(8, 3) float64`` corners of the view frustum between z-depths ``near`` and ``far``, camera
    frame (the image's outer pixel edges, continuous pixel coordinates -0.5 and size - 0.5)."""
    u = np.array([-0.5, width - 0.5])
    v = np.array([-0.5, height - 0.5])
    uu, vv = np.meshgrid(u, v)
    dirs = np.stack([(uu.ravel() - K[0, 2]) / K[0, 0], (vv.ravel() - K[1, 2]) / K[1, 1], np.ones(4)], axis=1)
    return np.concatenate([dirs * near, dirs * far])


def sun_shadow_fit(take: Take, t: int, near: float, distance: float, map_size: int) -> ShadowFit:
    """The orthographic light camera of frame ``t`` covering the view frustum from ``near`` to
    ``distance`` metres (see the module docstring)."""
    w2c = np.asarray(take.camera_world_to_camera[t], dtype=np.float64)
    c2w = np.linalg.inv(w2c)
    corners = frustum_corners(take.camera_K[t], take.width, take.height, near, max(distance, near * 2.0))
    world = corners @ c2w[:3, :3].T + c2w[:3, 3]
    # Bounding sphere: centre of the box around the corners, radius to the farthest corner.
    centre = 0.5 * (world.min(axis=0) + world.max(axis=0))
    radius = float(np.max(np.linalg.norm(world - centre, axis=1)))
    radius = float(np.ceil(radius / _RADIUS_STEP) * _RADIUS_STEP)
    to_sun = np.asarray(take.sun_direction[t], dtype=np.float64)
    to_sun = to_sun / max(np.linalg.norm(to_sun), 1e-12)
    hint = np.array([0.0, 0.0, 1.0]) if abs(to_sun[2]) < 0.99 else np.array([0.0, 1.0, 0.0])
    x = np.cross(hint, to_sun)
    x /= np.linalg.norm(x)
    y = np.cross(to_sun, x)
    rot = np.stack([x, y, to_sun])  # world -> light axes; +z points at the sun
    texel = 2.0 * radius / map_size
    c = rot @ centre
    c[:2] = np.round(c[:2] / texel) * texel  # whole-texel steps: static shadows stay put
    view = np.eye(4)
    view[:3, :3] = rot
    view[:3, 3] = -c
    z_near, z_far = radius + CASTER_MARGIN, -radius  # light-axis z of the clip planes
    span = z_near - z_far
    ortho = np.diag([1.0 / radius, 1.0 / radius, -2.0 / span, 1.0])
    ortho[2, 3] = (z_near + z_far) / span
    return ShadowFit(ortho @ view @ c2w, texel, span)


def sun_shadow_cascades(take: Take, t: int, near: float, distance: float, far_distance: float,
                        map_size: int) -> list[ShadowFit]:
    """The light cameras of frame ``t``: the near cascade (``near`` to ``distance`` metres) and,
    when ``far_distance > distance``, the far cascade (``distance`` to ``far_distance``)."""
    fits = [sun_shadow_fit(take, t, near, distance, map_size)]
    if far_distance > distance:
        fits.append(sun_shadow_fit(take, t, distance, far_distance, map_size))
    return fits


class ShadowMap:
    """A depth texture of ``cascades`` square maps side by side (cascade ``i`` in texel columns
    ``i * size .. (i + 1) * size``), with depth comparison (``sampler2DShadow``), and its framebuffer.

    Args:
        ctx: the GL context.
        size: side of one cascade's map, texels.
        cascades: maps in the atlas (1 or 2).
    """

    def __init__(self, ctx: moderngl.Context, size: int, cascades: int = 1):
        if cascades not in (1, 2):
            raise ValueError(f"a shadow map holds 1 or 2 cascades, got {cascades}")
        self.size, self.cascades = size, cascades
        self.depth = ctx.depth_texture((size * cascades, size))
        try:
            self.depth.compare_func = "<="
            self.depth.filter = (moderngl.LINEAR, moderngl.LINEAR)
            self.depth.repeat_x = self.depth.repeat_y = False
            self.fbo = ctx.framebuffer(depth_attachment=self.depth)
        except BaseException:
            self.depth.release()
            raise

    def use_cascade(self, index: int) -> None:
        """Bind the framebuffer with the viewport on cascade ``index``'s square."""
        self.fbo.use()
        self.fbo.viewport = (index * self.size, 0, self.size, self.size)

    def release(self) -> None:
        """Free the framebuffer and the texture."""
        self.fbo.release()
        self.depth.release()

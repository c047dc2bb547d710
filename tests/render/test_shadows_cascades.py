"""Sun shadow cascades: the near cascade keeps the single map's resolution, the far cascade lets a
caster far from the camera (beyond ``shadow_distance``) shadow the ground, against an analytic
oracle (ground points whose ray towards the sun hits the box). The far cascade's light camera stays
fixed in the world on one texel lattice (re-fitted when the view zooms in), its cached static
casters shadow every frame of a moving camera as a freshly drawn map would, moving casters still
cast there, and culling never drops a caster whose shadow can reach the cascade."""

from __future__ import annotations

import numpy as np
import pytest

from phav.camera import unproject
from phav.render.settings import RenderSettings
from phav.render.shadows import FarCascade, cascade_count, frustum_corners, sun_shadow_fit

from render_scenes import (IDENTITY_QUAT, box_mesh, default_camera, interior_mask, make_take, pixel_grid, plane_mesh,
                           render_lit_depth_instance)

W, H = 120, 90
SUN = (0.3, 1.0, 0.9)  # behind the box: its shadow falls towards the camera
#: A building-sized box about 65 m from the camera, far beyond the near cascade's 30 m.
FAR_CENTRE = np.array([0.0, 70.0, 4.0])
FAR_HALF = np.array([3.0, 3.0, 4.0])
MAP_SIZE = 1024


def _far_take():
    K, w2c = default_camera(W, H, eye=(0.0, 20.0, 40.0), target=(0.0, 66.0, 0.0), fov=40.0)
    pos = np.array([[[0.0, 30.0, 0.0], FAR_CENTRE]])
    take = make_take([plane_mesh(400.0, semantic=6), box_mesh(tuple(FAR_HALF))], pos,
                     np.tile(IDENTITY_QUAT, (1, 2, 1)), w2c, K, W, H, instance_ids=[0, 1], sun_direction=SUN)
    return take


def _analytic_shadow(take, depth: np.ndarray, t: int = 0, centre: np.ndarray = FAR_CENTRE) -> np.ndarray:
    """``(H, W) bool``: ground pixels of frame ``t`` whose ray towards the sun hits the far box
    centred on ``centre`` (slab method)."""
    grid = pixel_grid(W, H).reshape(-1, 2)
    d = depth.reshape(-1).astype(np.float64)
    ok = np.isfinite(d)
    world = np.full((len(d), 3), np.nan)
    world[ok] = unproject(grid[ok], d[ok], take.camera_K[t], take.camera_world_to_camera[t])
    on_ground = ok & (np.abs(world[:, 2]) < 1e-2)
    sun = np.asarray(SUN) / np.linalg.norm(SUN)
    p = np.where(on_ground[:, None], world, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = (centre - FAR_HALF - p) / sun
        t2 = (centre + FAR_HALF - p) / sun
    hit = np.max(np.minimum(t1, t2), axis=1) <= np.min(np.maximum(t1, t2), axis=1)
    return (on_ground & hit).reshape(H, W)


def test_near_cascade_is_the_single_map_and_far_cascade_covers_the_range_beyond():
    take = _far_take()
    s = RenderSettings()
    from phav.render.shadow_plan import plan_shadow_frame
    from phav.render.shadows import ShadowCasters

    plan = plan_shadow_frame(take, 0, dataclasses.replace(s, shadow_map_size=MAP_SIZE), ShadowCasters(take),
                             FarCascade(MAP_SIZE))
    near, far = plan.near, plan.far
    single = sun_shadow_fit(take, 0, s.near, s.shadow_distance, MAP_SIZE)
    np.testing.assert_array_equal(near.camera_to_light_clip, single.camera_to_light_clip)
    assert near.texel_size == single.texel_size  # near shadows exactly as sharp as before
    assert plan.static_parts is not None  # a fresh far cascade is fitted on its first frame
    corners = frustum_corners(take.camera_K[0], W, H, s.shadow_distance, s.shadow_far_distance)
    clip = np.c_[corners, np.ones(8)] @ far.camera_to_light_clip.T
    assert np.all(np.abs(clip[:, :3]) <= 1.0 + 1e-9)
    assert far.texel_size > near.texel_size
    assert cascade_count(s.shadow_distance, s.shadow_far_distance) == 2
    assert cascade_count(s.shadow_distance, 0.0) == cascade_count(s.shadow_distance, s.shadow_distance) == 1
    with pytest.raises(ValueError, match="shadow_far_distance"):
        RenderSettings(shadow_far_distance=-1.0)


def _render(take, **overrides):
    return render_lit_depth_instance(take, W, H, shadow_map_size=MAP_SIZE, **overrides)


@pytest.mark.gl
def test_a_far_caster_shadows_the_far_ground(gl_context):
    take = _far_take()
    lit, depth, instance = _render(take, shadows=True)
    flat, _, _ = _render(take, shadows=False)
    near_only, _, _ = _render(take, shadows=True, shadow_far_distance=0.0)
    shadow = _analytic_shadow(take, depth)
    inside = interior_mask(shadow, 2)
    assert inside.sum() > 20, "scene should show the far box's shadow"
    assert np.all(depth[inside] > 50.0)  # far beyond the near cascade's 30 m
    brightness = lit.sum(-1) / np.maximum(flat.sum(-1), 1)
    assert np.median(brightness[inside]) < 0.7, "the far shadow is missing"
    # Without the far cascade the same pixels were unshadowed (the map ended at 30 m).
    np.testing.assert_array_equal(near_only[inside], flat[inside])
    # Far ground the oracle calls lit, well away from the shadow's edge, stays lit.
    lit_far = interior_mask(~shadow & (instance == 0) & (depth > 40.0), 4)
    assert lit_far.sum() > 100
    assert np.median(brightness[lit_far]) > 0.97


# ---- the far cascade's cache: a light camera fixed in the world, static casters drawn once --------

import dataclasses  # noqa: E402

from phav.geometry import quat_to_matrix  # noqa: E402
from phav.render.shadows import (FAR_PADDING, FarCascade, ShadowCasters, ShadowMap, SunFrames,  # noqa: E402
                                 outside_light_box, shadow_inside_near)

from render_scenes import one_frame  # noqa: E402

#: Metres the camera moves per frame in the moving-camera takes (over the take, more than the far
#: cascade's padding of about 20 m: it is kept for some frames and re-fitted for others).
DOLLY = 6.0
FRAMES = 6


def _dolly_take(box_step=(0.0, 0.0, 0.0)):
    """The far box scene with the camera dollying sideways by ``DOLLY`` metres a frame; the box
    moves by ``box_step`` metres a frame."""
    Ks, w2cs = [], []
    for t in range(FRAMES):
        K, w2c = default_camera(W, H, eye=(DOLLY * t, 20.0, 40.0), target=(DOLLY * t, 66.0, 0.0), fov=40.0)
        Ks.append(K)
        w2cs.append(w2c)
    pos = np.array([[[0.0, 30.0, 0.0], FAR_CENTRE + t * np.asarray(box_step)] for t in range(FRAMES)])
    return make_take([plane_mesh(400.0, semantic=6), box_mesh(tuple(FAR_HALF))], pos,
                     np.tile(IDENTITY_QUAT, (FRAMES, 2, 1)), np.array(w2cs), np.array(Ks), W, H,
                     instance_ids=[0, 1], sun_direction=SUN)


def _render_all(take, with_depth=False, **overrides):
    """Every frame's lit ``raw`` image ``(T, H, W, 3) int32`` (shadowed, no post effects), and
    with ``with_depth`` the depth ``(T, H, W)`` too."""
    from phav.render import Renderer
    from phav.render.settings import quality_settings

    settings = quality_settings("preview", post=(), **{"shadows": True, "shadow_map_size": MAP_SIZE, **overrides})
    with Renderer(W, H, settings) as renderer:
        frames = list(renderer.render_take(take, ("raw", "depth")))
    raw = np.stack([f.raw.astype(np.int32) for f in frames])
    return (raw, np.stack([f.depth for f in frames])) if with_depth else raw


def test_far_cascade_stays_fixed_in_the_world_until_its_slab_leaves_it_and_keeps_one_texel_lattice():
    take = _dolly_take()
    s = RenderSettings()
    cascade, frames = FarCascade(MAP_SIZE), SunFrames(take)
    fits, refits = [], []
    for t in range(FRAMES):
        fit, refit = cascade.update(frames, t, s.shadow_distance, s.shadow_far_distance)
        fits.append(fit)
        refits.append(refit)
        # Every frame the far slab of the view frustum lies inside the light camera's box.
        corners = frustum_corners(take.camera_K[t], W, H, s.shadow_distance, s.shadow_far_distance)
        clip = np.c_[corners, np.ones(8)] @ fit.camera_to_light_clip.T
        assert np.all(np.abs(clip[:, :3]) <= 1.0 + 1e-9)
        fresh = sun_shadow_fit(take, t, s.shadow_distance, s.shadow_far_distance, MAP_SIZE)
        assert fit.texel_size == pytest.approx(fresh.texel_size * (1.0 + FAR_PADDING), rel=0.02)
    assert refits[0] and not all(refits[1:]) and any(refits[1:]), f"premise: kept and re-fitted, got {refits}"
    for t in range(1, FRAMES):
        if not refits[t]:  # kept: the same world -> light camera
            np.testing.assert_array_equal(fits[t].world_to_light_clip, fits[t - 1].world_to_light_clip)
        # Kept or re-fitted, one lattice: the same texel size, the origin moved by whole texels.
        assert fits[t].texel_size == fits[0].texel_size
        shift = (fits[t].world_to_light_clip - fits[0].world_to_light_clip)[:2, 3] / (2.0 / MAP_SIZE)
        np.testing.assert_allclose(shift, np.round(shift), atol=1e-6)
    cascade.reset()
    assert cascade.update(frames, 3, s.shadow_distance, s.shadow_far_distance)[1]


def test_far_cascade_is_refitted_when_the_view_zooms_in_so_its_texels_stay_within_the_padding_of_a_fresh_fit():
    """A still camera narrowing its field of view: the far slab stays inside the kept light box, so
    only the zoom can re-fit it; the texels never grow coarser than (1 + padding)^2 a fresh fit's
    (the cascade would keep the 40-degree view's texels for the 8-degree view without the zoom rule)."""
    fovs = (40.0, 37.0, 24.0, 14.0, 8.0)
    Ks, w2cs = zip(*(default_camera(W, H, eye=(0.0, 20.0, 40.0), target=(0.0, 66.0, 0.0), fov=f) for f in fovs))
    T = len(fovs)
    take = make_take([plane_mesh(400.0, semantic=6), box_mesh(tuple(FAR_HALF))],
                     np.array([[[0.0, 30.0, 0.0], FAR_CENTRE]] * T), np.tile(IDENTITY_QUAT, (T, 2, 1)),
                     np.array(w2cs), np.array(Ks), W, H, instance_ids=[0, 1], sun_direction=SUN)
    s = RenderSettings()
    cascade, frames = FarCascade(MAP_SIZE), SunFrames(take)
    refits, kept_held, previous = [], [], None
    for t in range(T):
        fit, refit = cascade.update(frames, t, s.shadow_distance, s.shadow_far_distance)
        corners = np.c_[frustum_corners(take.camera_K[t], W, H, s.shadow_distance, s.shadow_far_distance), np.ones(8)]
        assert np.all(np.abs((corners @ fit.camera_to_light_clip.T)[:, :3]) <= 1.0 + 1e-9)
        fresh = sun_shadow_fit(take, t, s.shadow_distance, s.shadow_far_distance, MAP_SIZE)
        coarser = fit.texel_size / fresh.texel_size
        assert (1.0 + FAR_PADDING) * 0.98 <= coarser <= (1.0 + FAR_PADDING) ** 2 * 1.02, (t, coarser)
        if previous is not None:  # did the light box kept from the frame before still hold this slab?
            kept = previous.world_to_light_clip @ np.linalg.inv(take.camera_world_to_camera[t])
            kept_held.append(bool(np.all(np.abs((corners @ kept.T)[:, :3]) <= 1.0)))
        refits.append(refit)
        previous = fit
    assert all(kept_held), f"premise: the narrower slabs lie in the kept box, got {kept_held}"
    assert refits[0] and not refits[1] and any(refits[2:]), f"premise: kept, then zoomed in enough, got {refits}"


@pytest.mark.gl
def test_cached_far_cascade_shadows_every_frame_as_a_freshly_drawn_one(gl_context):
    take = _dolly_take()
    cached = _render_all(take)
    fresh = np.concatenate([_render_all(one_frame(take, t)) for t in range(FRAMES)])
    flat = _render_all(take, shadows=False)
    assert np.mean(np.any(cached != flat, axis=-1)) > 0.01, "premise: the far box's shadow is in view"
    diff = np.abs(cached - fresh).max(axis=-1)
    assert np.mean(diff > 2) < 0.002, f"cached and fresh far cascades differ at {np.mean(diff > 2):.2%} of pixels"


@pytest.mark.gl
def test_a_moving_caster_in_the_far_range_still_casts(gl_context):
    step = np.array([1.5, 0.0, 0.0])
    take = _dolly_take(box_step=step)  # the box moves: drawn each frame, not cached
    assert not ShadowCasters(take).static[1]
    moving, depth = _render_all(take, with_depth=True)
    flat = _render_all(take, shadows=False)
    for t in (0, FRAMES - 1):
        shadow = _analytic_shadow(take, depth[t], t, FAR_CENTRE + t * step)
        inside = interior_mask(shadow, 2)
        assert inside.sum() > 20, "premise: the box's shadow is in view"
        brightness = moving[t].sum(-1) / np.maximum(flat[t].sum(-1), 1)
        assert np.median(brightness[inside]) < 0.7, f"frame {t}: the moving caster's far shadow is missing"
        # As the same box static in the cache (finer texels there): alike but near the shadow's edge.
        alone = _render_all(one_frame(take, t))[0]
        differ = np.abs(moving[t] - alone).max(axis=-1) > 2
        assert not np.any(differ & (inside | interior_mask(~shadow & (depth[t] > 40.0), 4)))


def _random_boxes(rng, n, centre, spread, size):
    c = centre + rng.uniform(-spread, spread, (n, 3))
    h = rng.uniform(0.1, size, (n, 3))
    return np.stack([c - h, c + h], axis=1)


def test_culling_never_drops_a_caster_whose_shadow_reaches_the_cascade():
    K, w2c = default_camera(W, H, eye=(0.0, -6.0, 3.0), target=(0.0, 0.0, 0.3))
    take = make_take([plane_mesh(30.0)], np.zeros((1, 1, 3)), IDENTITY_QUAT[None, None], w2c, K, W, H,
                     instance_ids=[0], sun_direction=SUN)
    s = RenderSettings()
    near = sun_shadow_fit(take, 0, s.near, s.shadow_distance, MAP_SIZE)
    rng = np.random.default_rng(0)
    # Outside the light box: only boxes whose every corner lies beyond one clip plane.
    boxes = _random_boxes(rng, 400, np.array([0.0, 10.0, 5.0]), 60.0, 6.0)
    out = outside_light_box(near.world_to_light_clip, boxes)
    assert out.any() and not out.all()
    for box, gone in zip(boxes, out):
        samples = box[0] + rng.uniform(0.0, 1.0, (64, 3)) * (box[1] - box[0])
        clip = samples @ near.world_to_light_clip[:3, :3].T + near.world_to_light_clip[:3, 3]
        if gone:
            assert not np.any(np.all(np.abs(clip) <= 1.0, axis=1)), "a culled box reaches the map"
    assert outside_light_box(near.world_to_light_clip, np.full((1, 2, 3), np.nan))[0]
    # Inside the near cascade: every point below the caster along the sun's rays, down to the floor,
    # with the margin around it, lies in the near light box.
    floor_z, margin = 0.0, 0.3
    person = np.array([[[-0.3, -0.3, 0.0], [0.3, 0.3, 1.8]]])
    for sun, expected in (((0.3, 1.0, 3.0), True), ((0.3, 1.0, 0.03), False)):  # high sun; sun 1.6 deg up
        to_sun = np.asarray(sun) / np.linalg.norm(sun)
        fit = sun_shadow_fit(dataclasses.replace(take, sun_direction=np.array([to_sun])), 0, s.near,
                             s.shadow_distance, MAP_SIZE)
        assert shadow_inside_near(fit.world_to_light_clip, person, to_sun, floor_z, margin)[0] == expected
        boxes = _random_boxes(rng, 300, np.array([0.0, 8.0, 2.0]), 12.0, 2.0)
        boxes[:, 0, 2] = np.maximum(boxes[:, 0, 2], floor_z)
        inside = shadow_inside_near(fit.world_to_light_clip, boxes, to_sun, floor_z, margin)
        for box in boxes[inside]:
            p = box[0] + rng.uniform(0.0, 1.0, (32, 3)) * (box[1] - box[0])
            p = p + rng.uniform(-margin, margin, p.shape)
            reach = (p[:, 2] - floor_z) / to_sun[2]
            shadowed = p - rng.uniform(0.0, 1.0, (32, 1)) * reach[:, None] * to_sun
            clip = shadowed @ fit.world_to_light_clip[:3, :3].T + fit.world_to_light_clip[:3, 3]
            assert np.all(np.abs(clip) <= 1.0 + 1e-9), "a caster's shadow leaves the near cascade"


def test_caster_boxes_hold_every_vertex_and_static_parts_are_those_that_never_move():
    from render_scenes import person_take

    take = person_take(W, H, T=2)
    rng = np.random.default_rng(1)
    P = take.num_parts
    quat = rng.normal(size=(2, P, 4))
    take.part_quat = quat / np.linalg.norm(quat, axis=-1, keepdims=True)
    take.part_quat[:, 0] = IDENTITY_QUAT  # the ground keeps still
    casters = ShadowCasters(take)
    assert casters.static[0] and not casters.static[1:].any()
    for t in range(2):
        parts, skins = casters.bounds(t)
        ground = take.meshes[0].positions @ quat_to_matrix(take.part_quat[t, 0]).T + take.part_pos[t, 0]
        assert np.all(ground >= parts[0, 0] - 1e-9) and np.all(ground <= parts[0, 1] + 1e-9)
        assert np.all(np.isnan(parts[1:]))  # bone parts draw nothing
        # Linear blend skinning on the CPU (take.Skin's formula) stays inside the skin's box.
        skin = take.skins[0]
        poses = np.tile(np.eye(4), (len(skin.bone_parts), 1, 1))
        poses[:, :3, :3] = quat_to_matrix(take.part_quat[t, skin.bone_parts])
        poses[:, :3, 3] = take.part_pos[t, skin.bone_parts]
        m = poses @ skin.inverse_bind
        p = np.c_[skin.mesh.positions, np.ones(len(skin.mesh.positions))]
        skinned = np.einsum("vk,vkij,vj->vi", skin.weights, m[skin.bones], p)[:, :3]
        assert np.all(skinned >= skins[0, 0] - 1e-6) and np.all(skinned <= skins[0, 1] + 1e-6)


@pytest.mark.gl
def test_shadow_map_releases_its_textures_and_framebuffers(gl_context):
    shadow_map = ShadowMap(gl_context, 64, 2)
    objects = [shadow_map.depth, shadow_map.fbo, shadow_map.static, shadow_map.static_fbo]
    shadow_map.release()
    assert all(type(obj.mglo).__name__ == "InvalidObject" for obj in objects)


def test_shadow_plan_redraws_the_static_cache_only_on_refits_and_sends_moving_far_casters_to_the_far_map():
    """Plain numpy: the dollying camera re-fits the far cascade on some frames only; the static
    ground and box go to the static cache on exactly those frames; the moving box, 65 m away, is
    drawn into the far cascade's per-frame map on every frame and never into the static cache."""
    from phav.render.shadow_plan import plan_shadow_frame

    settings = RenderSettings(shadows=True, shadow_map_size=MAP_SIZE)
    for box_step, box_moves in (((0.0, 0.0, 0.0), False), ((0.5, 0.0, 0.0), True)):
        take = _dolly_take(box_step)
        casters, far = ShadowCasters(take), FarCascade(MAP_SIZE)
        plans = [plan_shadow_frame(take, t, settings, casters, far) for t in range(FRAMES)]
        refits = [p.static_parts is not None for p in plans]
        assert refits[0] and not all(refits), refits
        assert casters.floor.tolist() == [True, False]  # the ground plane shadows nothing
        for p in plans:
            assert p.far is not None and not p.near_parts[0]
            if p.static_parts is not None:
                assert p.static_parts.tolist() == [False, not box_moves]
            assert p.moving_parts.tolist() == [False, box_moves] and p.moving == box_moves
        single = plan_shadow_frame(take, 0, settings, casters, None)
        assert single.far is None and single.static_parts is None and not single.moving
        np.testing.assert_array_equal(single.near_parts, plans[0].near_parts)



def test_only_the_lowest_flat_static_part_under_the_camera_and_everyone_counts_as_floor():
    """The ground plane is the floor; a flat table top above it is not (it shadows the floor), nor a
    plane with a box below it, nor the ground when the camera goes below it or a person's bones do."""
    K, w2c = default_camera(W, H, eye=(0.0, -6.0, 2.0), target=(0.0, 0.0, 0.5), fov=50.0)
    top = dataclasses.replace(plane_mesh(1.0, semantic=6))
    ground, box = plane_mesh(50.0, semantic=6), box_mesh((0.3, 0.3, 0.3))

    def casters(meshes, z, camera_z=2.0):
        pos = np.array([[[0.0, 0.0, zi] for zi in z]])
        eye_w2c = default_camera(W, H, eye=(0.0, -6.0, camera_z), target=(0.0, 0.0, 0.5), fov=50.0)[1]
        take = make_take(meshes, pos, np.tile(IDENTITY_QUAT, (1, len(meshes), 1)), eye_w2c, K, W, H,
                         instance_ids=list(range(len(meshes))), sun_direction=SUN)
        return ShadowCasters(take).floor.tolist()

    assert casters([ground, box], [0.0, 0.3]) == [True, False]
    assert casters([ground, top, box], [0.0, 0.8, 0.3]) == [True, False, False]  # a table top
    assert casters([top, box], [0.8, 0.3]) == [False, False]  # something static below it
    assert casters([ground, box], [0.0, 0.3], camera_z=-1.0) == [False, False]  # seen from below


def test_leaving_the_floor_out_of_the_shadow_map_changes_no_pixel(gl_context, monkeypatch):
    """The far-box scene rendered with the floor left out (the default) and drawn: same image."""
    from phav.render import shadows

    take = _dolly_take((0.5, 0.0, 0.0))
    left_out = _render_all(take)
    monkeypatch.setattr(shadows.ShadowCasters, "_floor_parts", lambda self: np.zeros(self._take.num_parts, bool))
    drawn = _render_all(take)
    assert np.abs(left_out - drawn).max() <= 2, np.abs(left_out - drawn).max()

"""Camera rigs: the actor stays in view, cameras stay out of geometry, parameters are recorded."""

import dataclasses

import numpy as np
import pytest

from phav.spec import CameraKind, Environment
from phav.worlds.cameras import (MAX_TRAIL_FRACTION, RIGS, HandheldRig, IndoorRig, KiteRig, OrbitalRig, TripodRig,
                                 check_camera, critically_damped, default_camera, follow, sample_rig, trailing,
                                 turned, view_azimuth)
from phav.worlds.environments import build_environment
from world_takes import walk_path

W, H, FPS = 160, 120, 30.0
#: Points on the actor's body relative to the pelvis: a 0.25 m radius, 1.75 m tall cylinder.
_A = np.linspace(0, 2 * np.pi, 8, endpoint=False)
BODY = np.array([[0.25 * np.cos(a), 0.25 * np.sin(a), z] for a in _A for z in (-0.95, 0.0, 0.8)])


def body_pixels(track, pelvis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The actor's body points (BODY about ``pelvis (T, 3)``) in the image: pixels ``(T, B, 2)``
    and camera depths ``(T, B)``."""
    pts = pelvis[:, None, :] + BODY[None]  # (T, B, 3)
    cam = np.einsum("tij,tbj->tbi", track.world_to_camera[:, :3, :3], pts) + track.world_to_camera[:, None, :3, 3]
    z = cam[..., 2]
    uv = np.einsum("tij,tbj->tbi", track.K[:, :2, :2], cam[..., :2] / np.maximum(z, 1e-9)[..., None])
    return uv + track.K[:, None, :2, 2], z


def visible_fraction(track, pelvis: np.ndarray) -> np.ndarray:
    """Per frame: the fraction of the actor's 2D box inside the image (0 when behind the camera)."""
    uv, z = body_pixels(track, pelvis)
    lo, hi = uv.min(axis=1), uv.max(axis=1)
    area = np.prod(hi - lo, axis=1)
    inside = np.prod(np.clip(np.minimum(hi, [W - 0.5, H - 0.5]) - np.maximum(lo, [-0.5, -0.5]), 0, None), axis=1)
    return np.where(np.all(z > 0.05, axis=1), inside / np.maximum(area, 1e-9), 0.0)


def synthetic_paths(rng, frames=120):
    """Walk, run, and a curving walk, starting at the origin (pelvis height)."""
    t = np.arange(frames) / FPS
    heading = rng.uniform(-np.pi, np.pi)
    straight = lambda v: np.column_stack([v * t * np.cos(heading), v * t * np.sin(heading), np.full(frames, 0.95)])
    turn = heading + 0.6 * t
    curve = np.column_stack([np.cumsum(1.3 / FPS * np.cos(turn)), np.cumsum(1.3 / FPS * np.sin(turn)),
                             np.full(frames, 0.95)])
    return [straight(1.3), straight(3.5), curve]


@pytest.mark.parametrize("kind", [k for k in RIGS if k != CameraKind.INDOOR], ids=lambda k: k.value)
def test_outdoor_rigs_keep_the_actor_in_view_on_synthetic_paths(kind):
    rng = np.random.default_rng(0)
    fractions = []
    for seed in range(40):
        rig = sample_rig(kind, np.random.default_rng(seed))
        for path in synthetic_paths(rng):
            fractions.append(visible_fraction(rig.track(path, FPS, W, H), path))
    good = np.concatenate(fractions) >= 0.5
    assert good.mean() >= 0.95, f"{kind.value}: actor half in view in only {good.mean():.1%} of frames"


@pytest.mark.parametrize("env", [e for e in Environment], ids=lambda e: e.value)
def test_rigs_in_real_scenes_stay_out_of_geometry_and_keep_the_actor(env):
    kinds = [CameraKind.INDOOR] if env == Environment.HOUSE else [k for k in RIGS if k != CameraKind.INDOOR]
    frac = []
    for seed in range(4):
        scene = build_environment(env, np.random.default_rng(seed))
        path = walk_path(scene, 90)
        for kind in kinds:
            track = sample_rig(kind, np.random.default_rng(seed)).track(path, FPS, W, H, scene)
            eyes = np.linalg.inv(track.world_to_camera)[:, :3, 3]
            assert not scene.blocked(eyes).any(), f"{kind.value} camera inside geometry (seed {seed})"
            frac.append(visible_fraction(track, path))
    assert (np.concatenate(frac) >= 0.5).mean() >= 0.95


def test_house_uses_indoor_exactly():
    assert default_camera(Environment.HOUSE) == CameraKind.INDOOR
    assert default_camera(Environment.URBAN) == CameraKind.KITE
    check_camera(Environment.HOUSE, CameraKind.INDOOR)
    check_camera(Environment.LAKE, CameraKind.ORBITAL)
    with pytest.raises(ValueError, match="House is filmed by camera Indoor"):
        check_camera(Environment.HOUSE, CameraKind.KITE)
    with pytest.raises(ValueError, match="only in environment House"):
        check_camera(Environment.STADIUM, CameraKind.INDOOR)
    with pytest.raises(ValueError, match="needs an environment with rooms"):
        sample_rig(CameraKind.INDOOR, np.random.default_rng(0)).track(np.zeros((3, 3)), FPS, W, H)


def test_parameters_are_sampled_from_the_seed_and_recorded():
    for kind in RIGS:
        a, b = (sample_rig(kind, np.random.default_rng(3)) for _ in range(2))
        assert a == b and a != sample_rig(kind, np.random.default_rng(4))
    path = walk_path(build_environment(Environment.PLAIN, np.random.default_rng(0)), 10)
    track = TripodRig.sample(np.random.default_rng(1)).track(path, FPS, W, H)
    assert {"side_angle", "height", "distance", "eye"} <= set(track.params)
    np.testing.assert_array_equal(track.world_to_camera[0], track.world_to_camera[-1])  # static


def test_handheld_shakes_a_little_and_kite_does_not():
    path = np.column_stack([np.zeros(60), np.zeros(60), np.full(60, 0.95)])  # standing still
    hand = HandheldRig.sample(np.random.default_rng(2))
    kite = KiteRig.sample(np.random.default_rng(2))
    eyes = lambda rig: np.linalg.inv(rig.track(path, FPS, W, H).world_to_camera)[:, :3, 3]
    assert np.ptp(eyes(kite), axis=0).max() < 1e-9
    wobble = np.ptp(eyes(hand), axis=0).max()
    assert 0.005 < wobble < 4 * hand.shake_amplitude


def test_trailing_camera_stands_at_its_offset_from_a_still_subject_and_adds_the_shake():
    still = np.tile([1.0, -2.0, 0.95], (20, 1))
    eyes, aims = trailing(still, FPS, 0.5, 4.0, np.pi / 2, 1.6, 0.2)
    np.testing.assert_allclose(eyes, np.tile([1.0, 2.0, 1.6], (20, 1)), atol=1e-12)  # 4 m along +y, 1.6 m up
    np.testing.assert_allclose(aims, np.tile([1.0, -2.0, 1.15], (20, 1)), atol=1e-12)
    shake = np.random.default_rng(0).normal(size=(20, 6)) * 0.01
    shaken_eyes, shaken_aims = trailing(still, FPS, 0.5, 4.0, np.pi / 2, 1.6, 0.2, shake)
    np.testing.assert_allclose(shaken_eyes - eyes, shake[:, :3], atol=1e-12)
    np.testing.assert_allclose(shaken_aims - aims, 2.0 * shake[:, 3:], atol=1e-12)


def test_critically_damped_follow_converges_without_overshoot():
    path = np.zeros((300, 1))
    path[10:] = 1.0
    out = critically_damped(path, 1 / 30, 0.3)
    assert out[0, 0] == 0.0 and out[-1, 0] == pytest.approx(1.0, abs=1e-3)
    assert np.all(out <= 1.0 + 1e-12) and np.all(np.diff(out[:, 0]) >= -1e-12)


@pytest.mark.parametrize("kind", [CameraKind.KITE, CameraKind.CLOSE_UP, CameraKind.HANDHELD, CameraKind.ORBITAL,
                                  CameraKind.TRIPOD])
def test_view_azimuth_is_where_the_rig_puts_its_camera(kind):
    """Before any simulation, view_azimuth says in which direction from the subject the rig's
    camera will stand: for a subject walking straight along heading 0.7 rad, the direction from
    the point the rig follows (the smoothed subject; the tripod: the path's centre) to the eye of
    the rig's own track at 1 s and 3 s."""
    heading, T = 0.7, 121
    path = np.zeros((T, 3))
    path[:, :2] = np.outer(1.2 * np.arange(T) / FPS, [np.cos(heading), np.sin(heading)])
    path[:, 2] = 0.95
    for seed in range(4):
        rig = sample_rig(kind, np.random.default_rng(seed))
        if isinstance(rig, HandheldRig):
            rig = dataclasses.replace(rig, shake_amplitude=0.0)  # the shake moves the eye a little
        track = rig.track(path, FPS, W, H)
        eyes = -np.einsum("tji,tj->ti", track.world_to_camera[:, :3, :3], track.world_to_camera[:, :3, 3])
        if isinstance(rig, TripodRig):
            followed = np.repeat(((path.min(axis=0) + path.max(axis=0)) / 2)[None], T, axis=0)
        else:
            reach = rig.radius if isinstance(rig, OrbitalRig) else rig.distance
            followed, _ = follow(path, FPS, rig.lag, MAX_TRAIL_FRACTION * reach)
        for k in (30, 90):
            offset = eyes[k, :2] - followed[k, :2]
            got, want = np.arctan2(offset[1], offset[0]), view_azimuth(rig, heading, k / FPS)
            assert abs(np.angle(np.exp(1j * (got - want)))) < 1e-6, (kind, seed, k, got, want)


def test_view_azimuth_of_the_room_camera_is_unknown_before_the_simulation():
    assert view_azimuth(IndoorRig(vertical_fov_deg=60.0, lag=0.5), 0.0, 1.0) is None
    assert view_azimuth(None, 0.0, 1.0) is None


@pytest.mark.parametrize("kind", [CameraKind.KITE, CameraKind.CLOSE_UP, CameraKind.HANDHELD, CameraKind.ORBITAL,
                                  CameraKind.TRIPOD])
def test_a_turned_rig_stands_that_much_further_round_the_subject(kind):
    """turned(rig, a) moves the camera a radians about the subject at every time and keeps every
    other sampled value."""
    rig = sample_rig(kind, np.random.default_rng(3))
    for angle in (0.4, -2.5, 3.0):
        turn = turned(rig, angle)
        assert type(turn) is type(rig)
        changed = {f.name for f in dataclasses.fields(rig) if getattr(rig, f.name) != getattr(turn, f.name)}
        assert len(changed) == 1, changed
        for time_s in (0.0, 2.0):
            got, want = view_azimuth(turn, 0.3, time_s), view_azimuth(rig, 0.3, time_s) + angle
            assert abs(np.angle(np.exp(1j * (got - want)))) < 1e-9
    assert turned(rig, 0.0) is rig
    room = IndoorRig(vertical_fov_deg=60.0, lag=0.5)
    assert turned(room, 1.0) is room


def _body_height_fraction(track, pelvis: np.ndarray) -> np.ndarray:
    """Per frame: the actor's height in the image over the image's height."""
    v = body_pixels(track, pelvis)[0][..., 1]
    return (v.max(axis=1) - v.min(axis=1)) / H


@pytest.mark.parametrize("speed", [1.3, 2.5])
def test_indoor_rig_zooms_in_and_keeps_the_whole_actor_in_view(speed):
    from phav.worlds.cameras import INDOOR_MIN_FOV_DEG

    for seed in range(6):
        scene = build_environment(Environment.HOUSE, np.random.default_rng(seed))
        path = walk_path(scene, 90, speed=speed)
        rig = sample_rig(CameraKind.INDOOR, np.random.default_rng(seed))
        track = rig.track(path, FPS, W, H, scene)
        widest = dataclasses.replace(rig, fill=1e-6).track(path, FPS, W, H, scene)  # no zoom: the widest view
        fov = np.degrees(2 * np.arctan(0.5 * H / track.K[:, 1, 1]))  # per frame: the zoom
        assert INDOOR_MIN_FOV_DEG - 1e-9 <= fov.min() and fov.max() <= rig.vertical_fov_deg + 1e-9
        assert track.params["zoom_fov_deg"] == pytest.approx([fov.min(), fov.max()])
        assert widest.params["zoom_fov_deg"] == pytest.approx([rig.vertical_fov_deg] * 2)
        assert np.abs(np.diff(fov)).max() < 2.0, f"seed {seed}: the zoom jumps"
        assert np.array_equal(track.world_to_camera, widest.world_to_camera)  # the same pan, only the zoom differs
        # the whole actor in view wherever the widest view holds it (close to the corner it cannot)
        seen, seen_widest = visible_fraction(track, path), visible_fraction(widest, path)
        assert (seen[seen_widest == 1.0] == 1.0).all(), f"seed {seed}: the actor leaves the zoomed view"
        assert (seen >= seen_widest - 1e-9).all()
        if speed < 2:
            assert (seen == 1.0).all(), f"seed {seed}"
        zoomed, wide = np.median(_body_height_fraction(track, path)), np.median(_body_height_fraction(widest, path))
        # larger than the widest view shows it (a person in the room's far corner: 0.17-0.36 of
        # the image's height), about as large as a Kite camera shows one (0.3-0.45)
        assert zoomed >= 1.2 * wide, (seed, zoomed, wide)
        assert zoomed >= 0.28, (seed, zoomed)

"""Cameras scaled to the filmed people's size: a child fills about as much of the frame as an adult,
and every adult video is made as before."""

import dataclasses

import numpy as np
import pytest

import phav.scenario
from phav.api.scene import Scene
from phav.api.simulate import camera_object
from phav.scenario import Scenario
from phav.spec import CameraKind, VideoSpec
from phav.worlds.cameras import (CAMERA_SIZE_KEY, CAMERA_SIZE_REFERENCE_M, MIN_CAMERA_SIZE_FACTOR, RIGS,
                                 CloseUpRig, HandheldRig, IndoorRig, KiteRig, OrbitalRig, TripodRig, fitted,
                                 sample_rig, scaled, size_factor, view_azimuth)

SCALED_KINDS = [CameraKind.KITE, CameraKind.CLOSE_UP, CameraKind.HANDHELD, CameraKind.ORBITAL]


def _spec(actor: str, seed: int, camera: CameraKind = CameraKind.KITE, action: str = "Wave",
          frames: int = 20) -> VideoSpec:
    return VideoSpec(action=action, actor=actor, seed=seed, camera=camera, frames=frames, width=160,
                     height=120).validate()


def _take(spec: VideoSpec):
    return Scenario(spec).simulate(check_signature=False)


def _as_drawn(monkeypatch, spec: VideoSpec):
    """The take of ``spec`` with the rig as drawn (the camera not scaled to the people)."""
    with monkeypatch.context() as m:
        m.setattr(phav.scenario, "fitted", lambda rig, heights: (rig, 1.0))
        return _take(spec)


def test_the_factor_is_the_tallest_persons_height_over_the_reference_within_its_bounds():
    assert CAMERA_SIZE_REFERENCE_M == 1.5
    assert size_factor([1.76]) == 1.0 and size_factor([1.5]) == 1.0 and size_factor([]) == 1.0
    assert size_factor([1.2]) == pytest.approx(0.8)
    assert size_factor([1.2, 1.65]) == 1.0  # a child with an adult: the adult's size
    assert size_factor([1.2, 1.05]) == pytest.approx(0.8)
    assert size_factor([0.5]) == MIN_CAMERA_SIZE_FACTOR


@pytest.mark.parametrize("kind", list(RIGS))
def test_scaling_moves_the_camera_nearer_and_lower_and_keeps_its_azimuth(kind):
    rig = sample_rig(kind, np.random.default_rng(3))
    assert scaled(rig, 1.0) is rig
    out = scaled(rig, 0.8)
    if kind not in SCALED_KINDS:  # Tripod: stands back to fit the path; Indoor: zooms on the body
        assert out is rig and fitted(rig, [1.2]) == (rig, 1.0)
        return
    assert fitted(rig, [1.2]) == (scaled(rig, size_factor([1.2])), size_factor([1.2]))
    for t in (0.0, 1.5):
        assert view_azimuth(out, 0.3, t) == view_azimuth(rig, 0.3, t)
    near = "radius" if isinstance(rig, OrbitalRig) else "distance"
    assert getattr(out, near) == pytest.approx(0.8 * getattr(rig, near))
    assert out.height == pytest.approx(0.8 * rig.height)
    if isinstance(rig, KiteRig):
        assert out.aim_height == pytest.approx(0.8 * rig.aim_height)
    kept = {f.name for f in dataclasses.fields(rig)} - {near, "height", "aim_height"}
    assert all(getattr(out, k) == getattr(rig, k) for k in kept)
    # the same image of a person 0.8 times as tall: eye and aim scaled about the subject's foot
    subject = np.tile([1.0, 2.0, 0.9], (30, 1))
    a = rig.track(subject, 30.0, 160, 120).world_to_camera
    b = out.track(subject * [1, 1, 0.8], 30.0, 160, 120).world_to_camera
    eye = lambda w: -np.einsum("tji,tj->ti", w[:, :3, :3], w[:, :3, 3])  # noqa: E731
    foot = np.array([1.0, 2.0, 0.0])
    if not isinstance(rig, HandheldRig):  # its aim is 0.1 m above the pelvis, not scaled
        np.testing.assert_allclose(eye(b) - foot, 0.8 * (eye(a) - foot), atol=1e-9)
        np.testing.assert_allclose(b[:, :3, :3], a[:, :3, :3], atol=1e-9)


@pytest.mark.parametrize("actor", ["Model_Boy", "Model_Girl"])
def test_a_childs_camera_is_scaled_to_its_height_and_recorded(actor, monkeypatch):
    spec = _spec(actor, 1)
    take = _take(spec)
    drawn = Scenario(spec).rig
    height = take.meta["actor"]["height_m"]
    factor = take.meta["camera"][CAMERA_SIZE_KEY]
    assert height < 1.3 and factor == pytest.approx(height / CAMERA_SIZE_REFERENCE_M)
    camera = take.meta["camera"]
    assert camera["distance"] == pytest.approx(drawn.distance * factor, abs=1e-6)
    assert camera["height"] == pytest.approx(drawn.height * factor, abs=1e-6)
    assert camera["azimuth"] == pytest.approx(drawn.azimuth, abs=1e-6)
    before = _as_drawn(monkeypatch, spec)
    assert before.meta["camera"]["distance"] == pytest.approx(drawn.distance, abs=1e-6)
    # nearer: the eye's horizontal distance to the aim point shrinks by the factor (1 m of ground)
    def reach(t):
        w = t.camera_world_to_camera
        eye = -np.einsum("tji,tj->ti", w[:, :3, :3], w[:, :3, 3])
        pelvis = t.actors[0].joints_3d[:, t.actors[0].joint_names.index("pelvis")]
        return np.linalg.norm((eye - pelvis)[:, :2], axis=1)
    np.testing.assert_allclose(reach(take), factor * reach(before), rtol=0.05)


@pytest.mark.parametrize("actor,seed,kind", [("Model_Man01", 1, CameraKind.KITE), ("Model_Woman04", 2, CameraKind.KITE),
                                             ("Model_Woman04", 3, CameraKind.ORBITAL),
                                             ("Model_Woman04", 4, CameraKind.HANDHELD)])
def test_an_adults_camera_is_as_drawn_to_the_byte(actor, seed, kind, monkeypatch):
    spec = _spec(actor, seed, kind)
    take = _take(spec)
    before = _as_drawn(monkeypatch, spec)
    assert CAMERA_SIZE_KEY not in take.meta["camera"] and take.meta["camera"] == before.meta["camera"]
    assert take.camera_world_to_camera.tobytes() == before.camera_world_to_camera.tobytes()
    assert take.camera_K.tobytes() == before.camera_K.tobytes()


def test_a_child_with_an_adult_companion_is_filmed_for_the_adults_height():
    # SyntheticWalkHoldHands brings a companion of a preset drawn from the seed
    adult = _take(_spec("Model_Boy", 0, action="SyntheticWalkHoldHands"))
    assert adult.meta["companions"][0]["height_m"] >= CAMERA_SIZE_REFERENCE_M
    assert CAMERA_SIZE_KEY not in adult.meta["camera"]
    drawn = Scenario(_spec("Model_Boy", 0, action="SyntheticWalkHoldHands")).rig
    assert adult.meta["camera"]["distance"] == pytest.approx(drawn.distance, abs=1e-6)
    child = _take(_spec("Model_Boy", 4, action="SyntheticWalkHoldHands"))  # a girl, shorter than the boy
    heights = [child.meta["actor"]["height_m"], child.meta["companions"][0]["height_m"]]
    assert max(heights) < 1.3 and child.meta["camera"][CAMERA_SIZE_KEY] == pytest.approx(max(heights) / 1.5)


def test_the_recorded_rig_is_the_one_that_made_the_track():
    spec = _spec("Model_Girl", 2)
    scenario = Scenario(spec)
    take = scenario.simulate(check_signature=False)
    camera = dict(take.meta["camera"])
    rig = KiteRig(**{f.name: camera[f.name] for f in dataclasses.fields(KiteRig)})
    pelvis = take.actors[0].joints_3d[:, take.actors[0].joint_names.index("pelvis")]
    track = rig.track(pelvis, spec.fps, spec.width, spec.height, scenario.static)
    np.testing.assert_allclose(track.world_to_camera, take.camera_world_to_camera, atol=1e-5)


def test_a_childs_scaled_camera_is_deterministic():
    spec = _spec("Model_Boy", 5, CameraKind.CLOSE_UP)
    a, b = _take(spec), _take(spec)
    assert a.meta["camera"] == b.meta["camera"] and CAMERA_SIZE_KEY in a.meta["camera"]
    assert a.camera_world_to_camera.tobytes() == b.camera_world_to_camera.tobytes()


def _scene(spec: VideoSpec, camera=None) -> Scene:
    """``Scene.from_spec(spec)`` with no action check, filmed by ``camera`` (default: the spec's kind)."""
    scene = Scene(spec.environment, spec.day_phase, spec.weather, frames=spec.frames, fps=spec.fps,
                  size=(spec.width, spec.height), seed=spec.seed)
    scene.add_person(spec.action, actor=spec.actor, check_signature=False)
    scene.add_camera(spec.camera if camera is None else camera)
    return scene


def test_a_scene_scales_its_drawn_camera_as_the_cli_and_leaves_an_explicit_rig():
    spec = _spec("Model_Boy", 1)
    cli = _take(spec)
    take = _scene(spec).simulate()
    assert take.meta["camera"] == cli.meta["camera"] and CAMERA_SIZE_KEY in take.meta["camera"]
    assert take.camera_world_to_camera.tobytes() == cli.camera_world_to_camera.tobytes()
    rig = KiteRig(distance=4.0, height=1.5, azimuth=0.2, vertical_fov_deg=45.0, lag=0.5, aim_height=0.1)
    kept = _scene(spec, rig).simulate()
    assert kept.meta["camera"]["distance"] == 4.0 and CAMERA_SIZE_KEY not in kept.meta["camera"]


def test_a_child_with_an_adult_in_a_scene_is_filmed_for_the_adults_height():
    spec = _spec("Model_Boy", 1)
    scene = _scene(spec)
    scene.add_person("Wave", actor="Model_Man01", check_signature=False)
    take = scene.simulate()
    assert CAMERA_SIZE_KEY not in take.meta["camera"]
    assert take.meta["camera"]["distance"] == pytest.approx(Scenario(spec).rig.distance, abs=1e-6)


def test_a_scenes_other_drawn_cameras_are_scaled_as_the_first():
    spec = _spec("Model_Boy", 1)
    extra = _scene(spec)
    extra.add_camera(CameraKind.KITE)  # a second drawn camera: scaled for the boy as the first
    first, second = extra.views(extra.simulate())
    factor = first.meta["camera"][CAMERA_SIZE_KEY]
    drawn = camera_object(extra, CameraKind.KITE, 1, extra.static)
    assert second.meta["camera"]["distance"] == pytest.approx(factor * drawn.distance)

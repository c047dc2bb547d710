"""Views: actions seen from the sides they declare, with the camera drawn as before otherwise."""

import dataclasses
import math

import numpy as np
import pytest

from phav.actions import ActionRecipe, SignatureResult, action_names, get_action
from phav.api.scene import Scene
from phav.api.simulate import camera_object
from phav.scenario import Scenario
from phav.seeding import video_rng
from phav.spec import CameraKind, Environment, VideoSpec
from phav.worlds.cameras import HandheldRig, KiteRig, OrbitalRig, TripodRig, sample_rig, view_azimuth
from phav.worlds.views import (FULL_CIRCLE, TRIPOD_DOMAIN, VIEWS, in_sectors, in_view, map_angle,
                               relative_azimuth_deg, view_sectors, wrap_deg)

FOLLOWING = [CameraKind.KITE, CameraKind.CLOSE_UP, CameraKind.HANDHELD]
PLACED = FOLLOWING + [CameraKind.ORBITAL, CameraKind.TRIPOD]
SEEDS = range(24)


def _viewed() -> list[str]:
    return [n for n in action_names() if get_action(n).view is not None]


def _spec(action: str, seed: int, camera: CameraKind, environment: Environment = Environment.PLAIN,
          frames: int = 60) -> VideoSpec:
    return VideoSpec(action=action, seed=seed, camera=camera, environment=environment, frames=frames,
                     width=160, height=120).validate()


def _relative_deg(world_azimuth: float, heading: float) -> float:
    return wrap_deg(math.degrees(world_azimuth - heading))


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_the_map_is_uniform_onto_the_sectors_and_keeps_what_the_view_allows(view):
    sectors = VIEWS[view]
    drawn = np.random.default_rng(0).uniform(-180.0, 180.0, 20000)
    mapped = np.array([map_angle(a, FULL_CIRCLE, sectors) for a in drawn])
    assert all(in_sectors(m, sectors) for m in mapped)
    for lo, hi in sectors:  # uniform: each sector gets its share of the draws
        share = np.mean([(m - lo) % 360.0 <= hi - lo for m in mapped])
        assert share == pytest.approx((hi - lo) / sum(h - l for l, h in sectors), abs=0.02)
    if in_sectors(0.0, sectors):
        assert map_angle(0.0, FULL_CIRCLE, sectors) == pytest.approx(0.0)  # straight ahead stays there
    tripod = [map_angle(a, TRIPOD_DOMAIN, sectors) for a in np.linspace(-150, 150, 61) if abs(a) >= 30]
    assert all(in_sectors(m, sectors) for m in tripod)


def test_view_sectors_are_checked():
    assert view_sectors("front") == VIEWS["front"]
    assert view_sectors([(-30, 30)]) == ((-30.0, 30.0),)
    for bad in ("top", [(30, -30)], [(0, 400)], [(-90, 90), (60, 120)], [], [(0,)]):
        with pytest.raises(ValueError):
            view_sectors(bad)


def test_a_recipe_declares_a_view_by_name_or_sectors_and_a_bad_one_is_refused():
    sig = lambda take: SignatureResult(True, "")
    assert ActionRecipe("Viewed", frozenset({"extra"}), ("walk",), sig, "d", view=[(-45, 45)]).view == ((-45.0, 45.0),)
    with pytest.raises(ValueError, match="action Viewed: unknown view 'top'"):
        ActionRecipe("Viewed", frozenset({"extra"}), ("walk",), sig, "d", view="top")


def test_the_actions_that_need_it_declare_a_view_and_those_read_from_any_side_do_not():
    assert {"Clap", "PullUp", "SyntheticWalkHoldHands", "SyntheticBumpIntoEachOther"} <= set(_viewed())
    for name in ("Walk", "Run", "Jump", "Cartwheel", "SyntheticCarHit", "SyntheticFlee"):
        assert get_action(name).view is None, name


@pytest.mark.parametrize("kind", PLACED, ids=lambda k: k.value)
def test_every_camera_sees_a_viewed_action_from_its_sectors(kind):
    """Over many seeds, the camera's start azimuth about the person, relative to its start
    heading, lies in the action's sectors (the Tripod's side angle is measured from the heading)."""
    for action in _viewed():
        sectors = view_sectors(get_action(action).view)
        for seed in SEEDS:
            scenario = Scenario(_spec(action, seed, kind))
            heading = scenario.static.start_heading
            azimuth = view_azimuth(scenario.rig, heading, 0.0)
            assert in_sectors(_relative_deg(azimuth, heading), sectors), (action, seed, kind.value)
            if kind == CameraKind.TRIPOD:
                assert scenario.rig.facing == heading


def test_the_views_are_spread_over_their_sectors():
    """Uniform, not piled on a sector's edge: a Kite camera films Clap from within 30 degrees of
    straight ahead as often as that arc's share of the view."""
    relative = []
    for seed in range(200):
        scenario = Scenario(_spec("Clap", seed, CameraKind.KITE))
        relative.append(_relative_deg(scenario.rig.azimuth, scenario.static.start_heading))
    assert np.mean(np.abs(relative) <= 30.0) == pytest.approx(60.0 / 200.0, abs=0.08)
    assert max(relative) > 90.0 and min(relative) < -90.0


def test_an_orbit_stays_in_the_view_for_the_whole_video():
    frames, fps = 90, 30.0
    for seed in SEEDS:
        scenario = Scenario(_spec("Clap", seed, CameraKind.ORBITAL, frames=frames))
        heading = scenario.static.start_heading
        for k in range(frames):
            az = view_azimuth(scenario.rig, heading, k / fps)
            assert in_sectors(_relative_deg(az, heading), VIEWS["front"]), (seed, k)


def test_the_tripod_stands_in_the_view_for_a_person_who_does_not_move():
    """The track itself: for a still person the Tripod stands within the sectors about the heading
    (it used to measure its angle from world +x whatever the person faced)."""
    pelvis = np.tile([[1.0, -2.0, 0.95]], (60, 1))
    for seed in SEEDS:
        for heading in (0.1, 3.0, -1.7):
            rig = in_view(sample_rig(CameraKind.TRIPOD, video_rng(seed, "camera")), "front", heading)
            eye = rig.track(pelvis, 30.0, 160, 120).params["eye"]
            az = math.atan2(eye[1] - pelvis[0, 1], eye[0] - pelvis[0, 0])
            assert in_sectors(_relative_deg(az, heading), VIEWS["front"], tolerance=1e-3)


@pytest.mark.parametrize("kind", PLACED, ids=lambda k: k.value)
def test_actions_without_a_view_keep_the_camera_as_drawn(kind):
    for action in [n for n in action_names() if get_action(n).view is None]:
        for seed in range(2):
            rig = Scenario(_spec(action, seed, kind)).rig
            assert rig == sample_rig(kind, video_rng(seed, "camera")), (action, seed)


def test_the_indoor_camera_is_left_as_it_is():
    rig = sample_rig(CameraKind.INDOOR, video_rng(0, "camera"))
    assert in_view(rig, "front", 1.0) is rig and relative_azimuth_deg(rig, 1.0) is None
    assert Scenario(_spec("Clap", 0, CameraKind.INDOOR, Environment.HOUSE)).rig == rig


@pytest.mark.parametrize("rig", [KiteRig(4.0, 1.5, 2.0, 50.0, 0.5, 0.1), HandheldRig(3.0, 1.6, -2.5, 50.0, 0.5, 0.02, 7),
                                 OrbitalRig(4.0, 1.5, 3.0, 0.3, 50.0, 0.5), TripodRig(-2.5, 1.5, 5.0, 50.0)],
                         ids=lambda r: type(r).__name__)
def test_in_view_moves_only_the_angle_and_is_deterministic(rig):
    moved = in_view(rig, "front", 0.4, 3.0)
    assert moved == in_view(rig, "front", 0.4, 3.0)
    changed = {f.name for f in dataclasses.fields(rig) if getattr(rig, f.name) != getattr(moved, f.name)}
    assert changed <= {"azimuth", "start_azimuth", "side_angle", "facing", "view_deg"}
    assert in_view(rig, None, 0.4) is rig


def test_the_scene_api_draws_the_cli_camera_for_a_viewed_action():
    for kind in PLACED:
        for seed in range(5):
            spec = _spec("Clap", seed, kind)
            scene = Scene.from_spec(spec)
            from phav.scenario import build_world

            assert camera_object(scene, kind, 0, build_world(spec)) == Scenario(spec).rig, (kind.value, seed)


def test_the_recorded_camera_is_the_one_that_filmed_the_viewed_action():
    """A simulated Clap: params.json's camera holds the placed rig and the view, and the camera
    that made the frames stands in front of the person."""
    spec = _spec("Clap", 1, CameraKind.KITE, frames=get_action("Clap").frames_needed(30.0))
    scenario = Scenario(spec)
    take = scenario.simulate()
    camera = take.meta["camera"]
    assert camera["view"] == "front" and camera["azimuth"] == scenario.rig.azimuth
    heading = take.meta["world"]["start_heading"]
    pelvis = take.actors[0].joints_3d[:, take.actors[0].joint_names.index("pelvis")]
    eyes = np.linalg.inv(take.camera_world_to_camera)[:, :3, 3]
    az = np.arctan2(eyes[:, 1] - pelvis[:, 1], eyes[:, 0] - pelvis[:, 0])
    assert all(in_sectors(_relative_deg(a, heading), VIEWS["front"], tolerance=5.0) for a in az)
    assert Scenario(spec).simulate().camera_world_to_camera.tobytes() == take.camera_world_to_camera.tobytes()


def test_where_geometry_moves_the_tripod_it_keeps_to_the_view_where_it_can():
    """On an Urban pavement walls and parked cars block most side spots: the Tripod then tries the
    spots in the view first (it used to go to 20 degrees off the street, outside an oblique view,
    in 16 of 30 seeds)."""
    outside = 0
    for seed in range(20):
        scenario = Scenario(_spec("ShootGun", seed, CameraKind.TRIPOD, Environment.URBAN))
        start = np.array([*scenario.static.start_position, 0.95])
        eye = scenario.rig.track(np.tile(start, (30, 1)), 30.0, 160, 120, scenario.static).params["eye"]
        az = math.atan2(eye[1] - start[1], eye[0] - start[0])
        outside += not in_sectors(_relative_deg(az, scenario.static.start_heading), VIEWS["oblique"], tolerance=1.0)
    assert outside <= 4

"""The vertical slice: a simulated Walk take rendered into labelled frames."""

import numpy as np
import pytest

from phav.camera import project
from phav.labels import BODY_PART_FIRST, BODY_PART_LAST, class_id
from phav.render.renderer import Renderer
from phav.scenario import Scenario
from phav.spec import VideoSpec
from phav.take import Take

pytestmark = pytest.mark.gl


@pytest.fixture(scope="module")
def walk_take():
    return Scenario(VideoSpec(action="Walk", frames=6, width=160, height=120, seed=4)).simulate()


def test_person_pixels_are_body_parts_ground_is_terrain_or_road_background_is_sky(walk_take):
    with Renderer(160, 120) as renderer:
        frames = list(renderer.render_take(walk_take, ("depth", "classgt", "instancegt")))
    for frame in frames:
        person = frame.instance == 1
        assert person.sum() > 50, "the person should be in view"
        parts = frame.semantic[person]
        assert np.all((parts >= BODY_PART_FIRST) & (parts <= BODY_PART_LAST))
        rest = frame.semantic[~person]
        assert set(np.unique(rest)) <= {class_id("Sky"), class_id("Terrain"), class_id("Road")}
        sky = frame.semantic == class_id("Sky")
        assert np.all(np.isinf(frame.depth[sky])) and np.all(np.isfinite(frame.depth[~sky]))
        assert set(np.unique(frame.instance)) == {0, 1}
    seen = set(np.concatenate([f.semantic[f.instance == 1] for f in frames]).tolist())
    assert len(seen) >= 10, f"only {len(seen)} body-part classes seen"


def test_joints_project_onto_the_rendered_person(walk_take):
    with Renderer(160, 120) as renderer:
        frame = next(iter(renderer.render_take(walk_take, ("instancegt",))))
    actor = walk_take.actors[0]
    uv, z = project(actor.joints_3d[0], walk_take.camera_K[0], walk_take.camera_world_to_camera[0])
    assert np.all(z > 0)
    pelvis = np.round(uv[actor.joint_names.index("pelvis")]).astype(int)
    ys, xs = np.nonzero(frame.instance == 1)
    assert xs.min() - 1 <= pelvis[0] <= xs.max() + 1 and ys.min() - 1 <= pelvis[1] <= ys.max() + 1


def test_a_saved_take_renders_identically(walk_take, tmp_path):
    walk_take.save(tmp_path / "take.npz")
    loaded = Take.load(tmp_path / "take.npz")
    with Renderer(160, 120) as renderer:
        a = list(renderer.render_take(walk_take, ("raw", "depth", "flow")))
        b = list(renderer.render_take(loaded, ("raw", "depth", "flow")))
    for fa, fb in zip(a, b):
        np.testing.assert_array_equal(fa.raw, fb.raw)
        np.testing.assert_array_equal(fa.depth, fb.depth)
        np.testing.assert_array_equal(fa.flow, fb.flow)


def test_the_walker_advances_and_stays_above_ground():
    take = Scenario(VideoSpec(action="Walk", frames=60, width=64, height=48, seed=0)).simulate()
    actor = take.actors[0]
    pelvis = actor.joints_3d[:, actor.joint_names.index("pelvis")]
    assert np.linalg.norm(pelvis[-1, :2] - pelvis[0, :2]) >= 1.5
    assert actor.joints_3d[..., 2].min() > 0.0

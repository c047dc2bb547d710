"""The benchmark suite's scaling cases run and report what they measured (tiny sizes, one timed run)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from phav.frames import MODALITIES
from phav.spec import VideoSpec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root holds benchmarks/

from benchmarks import scaling  # noqa: E402

pytestmark = pytest.mark.gl


def check_record(r: dict, case: str, size: str, frames: int) -> None:
    assert r["case"] == case and r["unit"] == "frames/s"
    assert 0 < r["min_per_s"] <= r["median_per_s"] <= r["max_per_s"] and r["repeats"] == 1
    assert r["median_s"] == pytest.approx(frames / r["median_per_s"])
    s = r["settings"]
    assert s["size"] == size and s["frames"] == frames and s["modalities"] == list(MODALITIES)
    assert s["mode"] == "render only" and s["quality"] == "preview" and s["gl_renderer"]
    assert r["same_scene_as_pybullet"] is False


def test_resolution_cases_render_the_same_video_at_each_size():
    spec = VideoSpec(action="Walk", frames=20, width=64, height=48, seed=0).validate()
    records = scaling.resolution_cases(spec, frames=2, repeats=1, quality="preview", sizes=((64, 48), (96, 72)))
    assert [r["case"] for r in records] == ["scale_64x48", "scale_96x72"]
    for r, (w, h) in zip(records, ((64, 48), (96, 72))):
        check_record(r, f"scale_{w}x{h}", f"{w}x{h}", 2)
        assert r["megapixels_per_s"] == pytest.approx(r["median_per_s"] * w * h / 1e6)
    assert [tuple(map(int, s.split("x"))) for s in (r["settings"]["size"] for r in records)] == [(64, 48), (96, 72)]
    assert scaling.SIZES == ((170, 128), (340, 256), (680, 512), (1360, 1024))


def test_people_cases_render_takes_with_that_many_people():
    records = scaling.people_cases(64, 48, frames=2, repeats=1, quality="preview", counts=(1, 3))
    for r, n in zip(records, (1, 3)):
        check_record(r, f"people_{n}", "64x48", 2)
        assert r["settings"]["people"] == n == r["settings"]["skins"]
    assert scaling.PEOPLE == (1, 2, 4, 8)


def test_a_crowd_take_has_its_people_side_by_side_in_view():
    import numpy as np

    take = scaling.crowd_take(3, frames=2, width=64, height=48)
    assert len(take.actors) == 3 and len(take.skins) == 3
    pelvis = np.array([a.joints_3d[0, list(a.joint_names).index("pelvis")] for a in take.actors])
    np.testing.assert_allclose(np.sort(pelvis[:, 1]), [-1.5, 0.0, 1.5], atol=0.15)
    # each pelvis projects inside the image through the take's camera
    K, w2c = take.camera_K[0], take.camera_world_to_camera[0]
    cam = (w2c @ np.column_stack([pelvis, np.ones(3)]).T)[:3]
    uv = (K @ cam)[:2] / cam[2]
    assert np.all(cam[2] > 0) and np.all((uv[0] > 0) & (uv[0] < 64) & (uv[1] > 0) & (uv[1] < 48))

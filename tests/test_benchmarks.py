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


def test_parallel_render_case_sums_every_process_frames_over_the_shared_wall_time():
    from benchmarks.parallel import render_parallel_case

    take = scaling.crowd_take(1, frames=2, width=64, height=48)
    r = render_parallel_case(take, processes=2, repeats=2, quality="preview", modalities=("img", "depth"))
    assert r["case"] == "render_parallel_2" and r["unit"] == "frames/s" and r["repeats"] == 2
    assert 0 < r["min_per_s"] <= r["median_per_s"] <= r["max_per_s"]
    s = r["settings"]
    assert s["processes"] == 2 and s["frames"] == 2 and s["modalities"] == ["img", "depth"] and s["gl_renderer"]
    # each repeat: 2 processes x 2 frames over one wall span
    assert r["max_per_s"] * r["median_s"] >= 4 * 0.999


def test_parallel_render_case_reports_a_worker_failure():
    from benchmarks.parallel import render_parallel_case

    take = scaling.crowd_take(1, frames=2, width=64, height=48)
    with pytest.raises(RuntimeError, match="a worker failed: ValueError: unknown modalities"):
        render_parallel_case(take, processes=1, repeats=1, quality="preview", modalities=("nonsense",))


def test_pybullet_humanoid_reference_stands_pinned_with_a_motor_on_every_joint():
    from benchmarks.physics_reference import pybullet_humanoid_case

    r = pybullet_humanoid_case(repeats=1, steps=24)
    assert r["case"] == "physics_pybullet_humanoid" and r["unit"] == "steps/s"
    assert r["settings"]["links"] == 16 and r["settings"]["motors"] == 12
    assert r["real_time_factor"] == pytest.approx(r["median_per_s"] / 240.0)
    assert r["thread_cpu_ms_per_item"] > 0


def test_process_counts_double_up_to_the_cores():
    from benchmarks.__main__ import _counts, default_counts, parse_args

    assert default_counts(1) == (1,) and default_counts(2) == (1, 2)
    assert default_counts(16) == (1, 2, 4, 8, 16) and default_counts(12) == (1, 2, 4, 8, 12)
    assert _counts("1,4") == (1, 4)
    with pytest.raises(SystemExit):
        parse_args(["--processes", "0,2"])


def test_cpu_ceiling_renders_with_the_no_op_driver_and_reports_cpu_per_frame():
    from benchmarks.cpu_ceiling import cpu_ceiling_cases

    take = scaling.crowd_take(1, frames=3, width=64, height=48)
    records, why = cpu_ceiling_cases(take, "preview", repeats=1)
    if why is not None:  # only Mesa has the no-op driver
        assert "GALLIUM_NOOP" in why and not records
        return
    assert [r["case"] for r in records] == ["cpu_ceiling_preview_img", "cpu_ceiling_preview_all"]
    for r in records:
        assert r["unit"] == "frames/s" and r["median_per_s"] > 0 and r["settings"]["frames"] == 3
        # one thread's CPU time per frame cannot exceed the wall time per frame
        assert 0 < r["thread_cpu_ms_per_item"] <= 1.01 * r["median_s"] * 1000.0 / 3
    assert "GALLIUM_NOOP" not in __import__("os").environ

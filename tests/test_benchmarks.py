"""The benchmark suite's scaling cases run and report what they measured (tiny sizes, one timed run)."""

from __future__ import annotations

import sys
import time
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
    from benchmarks.__main__ import parse_args
    from benchmarks.options import default_counts, parse_counts

    assert default_counts(1) == (1,) and default_counts(2) == (1, 2)
    assert default_counts(16) == (1, 2, 4, 8, 16) and default_counts(12) == (1, 2, 4, 8, 12)
    assert parse_counts("1,4") == (1, 4)
    with pytest.raises(SystemExit):
        parse_args(["--processes", "0,2"])


def test_sizes_parse_as_width_by_height_and_bad_ones_say_so():
    import argparse

    from benchmarks.options import parse_size

    assert parse_size("340x256") == (340, 256) and parse_size("64X48") == (64, 48)
    for bad in ("340", "axb", "0x48"):
        with pytest.raises(argparse.ArgumentTypeError, match="is not a size WxH"):
            parse_size(bad)


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


# ---- the report: written after every step, so a killed run keeps what it measured ----------------

def _read(path):
    import json

    return json.loads(path.read_text())


def _record(case: str, rate: float = 10.0, **extra) -> dict:
    return {"case": case, "unit": "frames/s", "median_per_s": rate, "settings": {}, **extra}


def test_report_is_on_disk_after_each_step_and_a_failing_step_keeps_the_others(tmp_path):
    from benchmarks.report import Report, SkipCase, Step, run_steps

    out = tmp_path / "sub" / "bench.json"
    seen = {}

    def second():  # runs after "first": the file already holds first's record and says it is not done
        seen.update(_read(out))
        raise RuntimeError("the GPU fell over")

    def third():
        raise SkipCase("needs Mesa")

    steps = [Step("first", lambda: [_record("a"), {"case": "p", "unit": "ms/frame", "settings": {}}]),
             Step("second", second), Step("third", third),
             Step("fourth", lambda: [_record("d", settings={"gl_renderer": "worker GL"})], renders=True),
             Step("fifth", lambda: [_record("e")], renders=False)]
    report = Report(out, {"date": "today"}, [s.name for s in steps])
    assert run_steps(steps, report, lambda: "this GL") is False
    assert seen["complete"] is False and seen["steps_done"] == ["first"]
    assert seen["not_reached"] == ["second", "third", "fourth", "fifth"]
    assert [r["case"] for r in seen["results"]] == ["a"] and [r["case"] for r in seen["render_passes"]] == ["p"]
    data = _read(out)
    assert data["complete"] is True and data["not_reached"] == [] and data["interrupted"] is None
    assert data["steps_done"] == ["first", "second", "third", "fourth", "fifth"]
    assert data["failed"] == [{"step": "second", "error": "RuntimeError: the GPU fell over"}]
    assert data["skipped"] == ["third: needs Mesa"] and data["date"] == "today"
    assert {r["case"]: r["gl_renderer"] for r in data["results"]} == {"a": "this GL", "d": "worker GL", "e": None}
    assert not list(out.parent.glob(".*tmp"))  # the temporary file was renamed into place


def test_a_terminated_run_leaves_the_steps_done_and_says_where_it_stopped(tmp_path):
    import os
    import signal

    from benchmarks.report import Interrupted, Report, Step, run_steps

    out = tmp_path / "bench.json"

    def killed():
        os.kill(os.getpid(), signal.SIGTERM)  # what `timeout` sends
        raise AssertionError("the signal did not stop the step")

    steps = [Step("first", lambda: [_record("a")]), Step("second", killed), Step("third", lambda: [_record("c")])]
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted, match="SIGTERM"):
        run_steps(steps, Report(out, {}, [s.name for s in steps]), lambda: "GL")
    assert signal.getsignal(signal.SIGTERM) is before
    data = _read(out)
    assert data["complete"] is False and data["interrupted"] == "SIGTERM during second"
    assert data["steps_done"] == ["first"] and data["not_reached"] == ["second", "third"]
    assert [r["case"] for r in data["results"]] == ["a"]


def test_steps_are_chosen_by_name_patterns():
    from benchmarks.report import Step, select

    steps = [Step(n, list) for n in ("presets_phav", "render_parallel_1", "render_parallel_2", "dataset_1w")]
    assert [s.name for s in select(steps, "render_parallel_*,dataset_*", "*_2")] == ["render_parallel_1", "dataset_1w"]
    assert select(steps, None, None) == steps
    assert select(steps, None, "render,physics_*") == steps  # nothing to leave out
    with pytest.raises(ValueError, match="'physics_\\*' matches no benchmark step"):
        select(steps, "physics_*", None)


def test_the_suite_puts_the_gpu_targets_first_and_lists_its_steps(capsys):
    from benchmarks.__main__ import main

    assert main(["--list", "--processes", "1,2"]) == 0
    names = capsys.readouterr().out.split()
    assert names[:6] == ["presets_preview", "presets_phav", "presets_phav_urban", "presets_high", "pybullet_tiny",
                         "render_parallel_1"]
    assert "render" not in names and "pybullet_egl" not in names  # presets_phav times the default renderer
    assert names.index("render_parallel_2") < names.index("dataset_1w") < names.index("dataset_2w") < names.index("dataset_cpu_1w")
    assert names.index("dataset_cpu_2w") < names.index("write") < names.index("simulate")
    # PyBullet's EGL plugin (native code loaded next to our GL context) after every other render step,
    # so that a crash there loses none of them
    assert main(["--list", "--processes", "1,2", "--pybullet-egl", "--quick"]) == 0
    names = capsys.readouterr().out.split()
    assert names[:7] == ["presets_preview", "presets_phav", "presets_phav_urban", "pybullet_tiny",
                         "render_parallel_1", "render_parallel_2", "pybullet_egl"]
    assert main(["--list", "--only", "nothing_*"]) == 2


def test_quick_runs_shorter_takes_and_physics_but_the_cpu_ceiling_keeps_a_full_take(monkeypatch):
    from benchmarks import __main__ as suite
    from benchmarks import cases, cpu_ceiling

    args = suite.parse_args(["--quick", "--processes", "1"])
    inputs = suite.Inputs(VideoSpec(action="Walk", frames=10, width=64, height=48, seed=0).validate())
    seen = {}
    monkeypatch.setattr(cases, "physics_case", lambda n, repeats, steps: seen.setdefault("physics", (n, repeats, steps)) and [])
    monkeypatch.setattr(cpu_ceiling, "cpu_ceiling_cases",
                        lambda take, quality, repeats: (seen.setdefault("ceiling", take.num_frames) and [], None))
    monkeypatch.setattr(cases, "dataset_case",
                        lambda spec, videos, workers, classes: seen.setdefault("dataset", (videos, workers, classes)) and {})
    monkeypatch.setattr(cpu_ceiling, "noop_driver_unavailable", lambda: None)
    steps = {s.name: s for s in suite.build_steps(args, inputs, repeats=3)}
    steps["physics_1"].run()
    steps["cpu_ceiling_phav"].run()
    steps["dataset_1w"].run()
    assert seen["dataset"] == (1, 1, ("Walk",))  # the suite's action: every worker the same work
    assert seen["physics"] == (1, 3, suite.QUICK_PHYSICS_STEPS) and suite.QUICK_PHYSICS_STEPS < suite.PHYSICS_STEPS
    assert seen["ceiling"] == suite.CEILING_MIN_FRAMES == 60
    assert inputs.take.num_frames == 10  # the other cases keep the quick take
    # Where the no-op driver is out of reach (NVIDIA's GL), the case is skipped before any take is made.
    monkeypatch.setattr(cpu_ceiling, "noop_driver_unavailable", lambda: "needs Mesa's no-op driver")
    other = suite.Inputs(inputs.spec)
    with pytest.raises(suite.SkipCase, match="no-op driver"):
        {s.name: s for s in suite.build_steps(args, other, repeats=3)}["cpu_ceiling_phav"].run()
    assert other._take is None and other._ceiling_take is None
    full = suite.Inputs(VideoSpec(action="Walk", frames=60, width=64, height=48, seed=0).validate())
    full._take = taken = object()  # a long enough suite take is the ceiling's own, not simulated again
    assert full.ceiling_take is taken


def test_a_run_of_chosen_steps_writes_its_figures_with_the_machine_and_gl(tmp_path):
    from benchmarks.__main__ import main

    out = tmp_path / "bench.json"
    assert main(["--only", "simulate,physics_1", "--frames", "3", "--size", "64x48", "--repeats", "1", "--out", str(out)]) == 0
    data = _read(out)
    assert data["complete"] is True and data["steps_done"] == ["simulate", "physics_1"] and not data["failed"]
    assert data["gl_renderer"] and data["machine"]["cores"] >= 1 and data["spec"]["width"] == 64
    assert [r["case"] for r in data["results"]] == ["simulate", "physics_1"]
    assert all(r["gl_renderer"] is None and r["process_cpu_ms_per_item"] > 0 for r in data["results"])


def test_derived_figures_relate_the_cases_measured_so_far():
    from benchmarks.derived import derive

    results = [_record("render", 30.0), _record("cpu", 9.0, same_scene_as_pybullet=False), _record("pybullet_tiny", 20.0),
               {"case": "dataset_1w", "unit": "videos/s", "frames_per_s": 40.0, "settings": {}},
               {"case": "dataset_4w", "unit": "videos/s", "frames_per_s": 100.0, "settings": {}},
               {"case": "dataset_cpu_1w", "unit": "videos/s", "frames_per_s": 50.0, "cpu_ms_per_frame": 20.0,
                "stages_cpu_ms_per_frame": {"write": 2.0, "other_threads": 6.0}, "settings": {}},
               {"case": "dataset_cpu_2w", "unit": "videos/s", "frames_per_s": 75.0, "cpu_ms_per_frame": 22.0,
                "stages_cpu_ms_per_frame": {"write": 1.0, "encode": 3.0, "other_threads": 1.0}, "settings": {}},
               {"case": "write", "unit": "frames/s", "median_per_s": 100.0, "process_cpu_ms_per_item": 13.0, "settings": {}}]
    derive(results)
    r = {x["case"]: x for x in results}
    assert r["render"]["ratio_to_pybullet_tiny"] == 1.5 and "ratio_to_pybullet_tiny" not in r["cpu"]
    assert r["dataset_4w"]["frames_per_s_vs_1_worker"] == 2.5 and r["dataset_cpu_2w"]["frames_per_s_vs_1_worker"] == 1.5
    # each record's blank frames' write (2 + 6 ms; 1 + 3 + 1 ms, its encoders' own) replaced by the
    # write case's 13 ms of every thread
    assert r["dataset_cpu_1w"]["cpu_ms_per_frame_real_encoding"] == pytest.approx(25.0)
    assert r["dataset_cpu_2w"]["cores_for_400_fps_real_encoding"] == pytest.approx(400 * 30.0 / 1000)


def test_generate_video_splits_its_cpu_time_by_stage(tmp_path):
    from phav.pipeline import generate_video

    spec = VideoSpec(action="Walk", frames=3, width=64, height=48, seed=0).validate()
    before = time.thread_time()
    cpu = generate_video(spec, tmp_path, modalities=("img", "depth"), quality="preview").cpu_s
    outside = time.thread_time() - before
    assert all(cpu[s] > 0 for s in ("simulate", "render", "write", "setup"))
    # the three timed stages are disjoint spans of the call (setup, the rest, is left over), and
    # the call's thread time is what this thread spent around it, less only the call itself
    assert cpu["simulate"] + cpu["render"] + cpu["write"] < cpu["thread"] <= outside < cpu["thread"] + 0.01
    # the whole process's CPU includes the thread's (process_time ticks coarser than thread_time),
    # and the encoder threads' (a JPEG and a PNG a frame)
    assert cpu["process"] >= 0.99 * cpu["thread"]
    assert 0 < cpu["encode"] <= cpu["process"] - cpu["thread"] + 0.005


def test_stage_cpu_adds_up_the_videos_of_a_manifest_and_what_the_run_spent_outside_them():
    from benchmarks.stages import STAGES, stage_cpu

    def video(simulate, render, write, setup, process, encode=None):
        cpu = {"simulate": simulate, "render": render, "write": write, "setup": setup,
               "thread": simulate + render + write + setup, "process": process}
        return {"status": "done", "cpu_s": cpu if encode is None else dict(cpu, encode=encode)}

    rounded = video(1.0, 0.5, 0.25, 0.125, 3.0, encode=5.0)  # encoders over the rest: rounding, clamped
    rounded["cpu_s"]["thread"] = 1.875 + 2.0 ** -14  # the row's values rounded apart: stages sum below it
    rows = [video(1.0, 2.0, 0.5, 0.5, 6.0, encode=1.5), video(2.0, 3.0, 1.0, 0.0, 7.0), rounded,
            {"status": "failed", "cpu_s": None}, {"status": "done"}]  # a failed video, one of an earlier run
    stages = stage_cpu(rows, total_cpu_s=20.0)
    assert list(stages) == list(STAGES)
    # every video's process CPU less its thread's four stages is its encoders' (a row before they
    # were measured: none) and other threads' (exact binary fractions)
    assert stages == {"simulate": 4.0, "render": 5.5, "write": 1.75, "setup": 0.625,
                      "encode": 1.5 + 0.0 + (3.0 - 1.875), "other_threads": (6.0 - 4.0 - 1.5) + (7.0 - 6.0) + 0.0,
                      "outside_videos": 20.0 - 16.0}
    assert sum(stages.values()) == 20.0
    assert stage_cpu(rows)["outside_videos"] == 0.0 and stage_cpu(rows[3:], 5.0) == {}


def test_dataset_case_splits_the_cpu_of_every_worker_by_stage():
    from benchmarks.cases import dataset_case
    from benchmarks.stages import STAGES

    spec = VideoSpec(action="Walk", frames=2, width=64, height=48, seed=0).validate()
    record = dataset_case(spec, videos=1, workers=1)
    assert record["case"] == "dataset_1w" and record["settings"]["failed"] == 0
    stages = record["stages_cpu_ms_per_frame"]
    assert list(stages) == list(STAGES) and all(stages[k] > 0 for k in ("simulate", "render", "write", "encode"))
    assert sum(stages.values()) == pytest.approx(record["cpu_ms_per_frame"], rel=1e-12)  # by construction


def test_dataset_case_without_a_single_made_video_is_no_figure(monkeypatch):
    import phav.pipeline
    from benchmarks.cases import dataset_case
    from phav.errors import SignatureError

    def never(spec, *args, **kwargs):
        raise SignatureError(f"{spec.action} was not performed visibly (stand-in)")

    monkeypatch.setattr(phav.pipeline, "generate_video", never)
    spec = VideoSpec(action="Walk", frames=2, width=64, height=48, seed=0).validate()
    with pytest.raises(RuntimeError, match=r"dataset_1w: none of 1 videos was made: attempt 1 .*not performed visibly"):
        dataset_case(spec, videos=1, workers=1)


@pytest.mark.slow
def test_dataset_case_splits_the_cpu_of_worker_processes_by_stage():
    from benchmarks.cases import dataset_case

    spec = VideoSpec(action="Walk", frames=2, width=64, height=48, seed=0).validate()
    record = dataset_case(spec, videos=2, workers=2, classes=("Walk",))  # as --quick runs it
    assert record["settings"]["workers"] == 2 and record["settings"]["videos"] == 2
    assert record["settings"]["classes"] == ["Walk"] and record["settings"]["failed"] == 0
    stages = record["stages_cpu_ms_per_frame"]
    assert all(stages[k] > 0 for k in ("simulate", "render", "write", "encode", "outside_videos"))
    assert sum(stages.values()) == pytest.approx(record["cpu_ms_per_frame"], rel=1e-12)  # by construction


def test_the_no_op_driver_is_ruled_out_from_this_process_gl_without_spawning(monkeypatch):
    from benchmarks import cpu_ceiling
    from phav.render.context import GLInfo

    def info(renderer, version, vendor):
        return GLInfo("egl", renderer, version, vendor, 430, True, False)

    nvidia = cpu_ceiling.noop_skip_reason(info("NVIDIA H100 80GB HBM3/PCIe/SSE2", "4.6.0 NVIDIA 550.54.15", "NVIDIA Corporation"))
    assert "GALLIUM_NOOP" in nvidia and "NVIDIA H100" in nvidia
    assert cpu_ceiling.noop_skip_reason(info("llvmpipe (LLVM 15.0.6, 256 bits)", "4.5 (Core Profile) Mesa 22.3.6", "Mesa")) is None
    assert cpu_ceiling.noop_skip_reason(info("AMD Radeon (radeonsi)", "4.6 (Core Profile) Mesa 24.0.5", "AMD")) is None

    def spawn(*args, **kwargs):
        raise AssertionError("a process was spawned")

    monkeypatch.setattr(cpu_ceiling, "noop_driver_unavailable", lambda: nvidia)
    monkeypatch.setattr(cpu_ceiling.multiprocessing, "get_context", spawn)
    assert cpu_ceiling.run_with_noop_driver(print, (), "nothing") == (None, nvidia)


def test_dataset_cpu_case_runs_the_dataset_path_with_the_no_op_driver():
    import os

    from benchmarks.dataset_ceiling import dataset_ceiling_case

    spec = VideoSpec(action="Walk", frames=2, width=64, height=48, seed=0).validate()
    record, why = dataset_ceiling_case(spec, videos=1, workers=1)
    assert "GALLIUM_NOOP" not in os.environ and "MALLOC_PERTURB_" not in os.environ
    if why is not None:  # only Mesa has the no-op driver
        assert "GALLIUM_NOOP" in why and record is None
        return
    s = record["settings"]
    assert record["case"] == "dataset_cpu_1w" and s["gl_renderer"] == "NOOP" and s["failed"] == 0 and s["videos"] == 1
    assert record["frames"] >= 2 and record["frames_per_s"] == pytest.approx(record["frames"] / record["seconds"])
    assert record["cores_for_400_fps"] == pytest.approx(0.4 * record["cpu_ms_per_frame"])
    stages = record["stages_cpu_ms_per_frame"]
    assert all(stages[k] > 0 for k in ("simulate", "render", "write", "encode"))
    assert sum(stages.values()) == pytest.approx(record["cpu_ms_per_frame"], rel=1e-12)  # by construction


def test_render_presets_comparisons_only_writes_just_the_readback_fused_and_ablation_cases(tmp_path):
    from benchmarks.render_presets import main

    out = tmp_path / "presets.json"
    assert main(["--size", "64x48", "--frames", "2", "--repeats", "1", "--qualities", "preview",
                 "--comparisons-only", "--no-pybullet", "--out", str(out)]) == 0
    data = _read(out)
    cases = ["readback_preview", "fused_preview", "ablation_preview"]
    assert data["complete"] is True and data["steps_done"] == cases
    assert data["results"] == [] and data["gl_renderer"] and data["machine"]["cores"] >= 1
    assert [r["case"] for r in data["render_passes"]] == cases
    readback, fused, ablation = data["render_passes"]
    assert readback["ratio"] > 0 and fused["ratio"] > 0
    assert set(ablation["per_s"]) == {"preset", "no_post"} and ablation["ratio_to_preset"]["preset"] == 1.0
    assert all(len(runs) == 1 and runs[0] > 0 for runs in ablation["runs"].values())
    assert set(ablation["cpu_ms_per_frame"]) == {"preset", "no_post"}
    assert all(ms > 0 for ms in ablation["cpu_ms_per_frame"].values())
    assert ablation["wall_ms_per_frame"]["preset"] == pytest.approx(1e3 / ablation["per_s"]["preset"])


def test_ablation_switches_off_one_costly_part_of_the_preset_at_a_time():
    from benchmarks.render_presets import ablation_modes

    assert ablation_modes("phav") == {"preset": {}, "no_shadows": {"shadows": False},
                                      "shadow_map_1024": {"shadow_map_size": 1024}, "no_ssaa": {"ssaa": 1},
                                      "no_post": {"post": ()},
                                      "bare": {"shadows": False, "ssaa": 1, "post": ()}}
    assert ablation_modes("preview") == {"preset": {}, "no_post": {"post": ()}}  # no shadows, no SSAA there


def test_render_presets_steps_all_report_the_simulation_error_not_a_missing_take(monkeypatch):
    from benchmarks.render_presets import build_steps
    from phav.scenario import Scenario

    def fail(self, **kwargs):
        raise RuntimeError("the simulation failed")

    monkeypatch.setattr(Scenario, "simulate", fail)
    spec = VideoSpec(action="Walk", frames=2, width=64, height=48, seed=0).validate()
    steps = build_steps(spec, ["preview"], 1, comparisons_only=False, pybullet=False)
    assert [s.name for s in steps] == ["skin_build", "presets_preview", "readback_preview", "fused_preview",
                                       "ablation_preview"]
    for step in steps:  # the first step's failure published nothing half-made for the others to trip on
        with pytest.raises(RuntimeError, match="the simulation failed"):
            step.run()


def test_render_profile_reports_the_frame_times_and_the_gl_calls(tmp_path):
    from benchmarks.render_profile import main

    out = tmp_path / "profile.txt"
    assert main(["--size", "64x48", "--frames", "3", "--repeats", "1", "--top", "15", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("GL_RENDERER: ") and "3 frames profiled" in text
    assert "ms/frame, CPU" in text and "Ordered by: internal time" in text
    assert "mgl." in text  # moderngl's calls are in the profile, where the driver's CPU time shows


def test_call_probe_times_every_kind_of_call_the_renderer_makes(tmp_path):
    from benchmarks.call_probe import main

    out = tmp_path / "calls.json"
    assert main(["--calls", "3", "--repeats", "1", "--out", str(out)]) == 0
    data = _read(out)
    assert data["gl_renderer"] and data["calls"] == 3
    assert {"framebuffer_switch", "framebuffer_rebind", "depth_clears_two_framebuffers", "depth_clears_clear_buffer",
            "shadow_atlas_bind_and_rect_clear", "shadow_atlas_bind_and_rect_clear_buffer",
            "dispatch_with_3_image_binds_and_barrier", "memory_barrier", "texture_use", "uniform_write",
            "buffer_write_400_bytes", "uniform_block_range_bind", "texture_read_into_pixel_buffer",
            "pixel_buffer_map_and_copy_348_kb"} == set(data["cases"])
    for case in data["cases"].values():
        assert 0.0 <= case["cpu_us_min"] <= case["cpu_us"] <= case["cpu_us_max"] and case["wall_us"] > 0.0
    with pytest.raises(SystemExit):
        main(["--calls", "0"])


def test_raster_probe_times_every_clear_and_fill(tmp_path):
    from benchmarks.raster_probe import main

    out = tmp_path / "raster.json"
    assert main(["--repeats", "1", "--out", str(out)]) == 0
    data = _read(out)
    names = set(data["per_call"])
    assert {"clear_shadow_atlas_whole", "clear_shadow_atlas_128x128", "clear_gbuffer_colour_depth",
            "clear_gbuffer_depth_only", "clear_ground_truth", "fill_fragment_680x512",
            "fill_fragment_1360x1024", "fill_fragment_ground_truth"} <= names
    from benchmarks.raster_probe import FORMAT_FILLS
    assert {f"fill_fragment_680x512_{name}" for name in FORMAT_FILLS} <= names
    assert all(v["wall_us"] > 0 and v["gpu_us"] >= 0 for v in data["per_call"].values())
    assert data["gl_renderer"] and data["repeats"] == 1


@pytest.mark.parametrize("quality, pieces", [
    ("phav", {"gbuffer_clear", "gbuffer_rigid_draws", "gbuffer_skin_draws", "ground_truth_depth_clear",
              "ground_truth_rigid_draws", "ground_truth_skin_draws", "skinning",
              *(f"gbuffer_{layout}_{what}_draws" for layout in ("16B", "12B", "4B", "depth_only")
                for what in ("rigid", "skin")),
              *(f"ground_truth_{layout}_{what}_draws" for layout in ("motion_rg32f", "no_motion", "depth_only")
                for what in ("rigid", "skin")),
              *(f"{stem}_{stage}_{what}_draws" for stem in ("gbuffer", "ground_truth")
                for stage in ("discard", "scissor") for what in ("rigid", "skin"))}),
    ("preview", {"fused_depth_clear", "fused_rigid_draws", "fused_skin_draws", "skinning",
                 *(f"fused_{stage}_{what}_draws" for stage in ("discard", "scissor") for what in ("rigid", "skin"))}),
])
def test_draw_probe_times_each_piece_of_the_geometry_passes(tmp_path, quality, pieces):
    from benchmarks.draw_probe import main

    out = tmp_path / "draws.json"
    assert main(["--quality", quality, "--size", "64x48", "--repeats", "1", "--out", str(out)]) == 0
    data = _read(out)
    assert set(data["per_call"]) == pieces
    assert all(v["wall_us"] > 0 and v["gpu_us"] >= 0 for v in data["per_call"].values())
    assert data["rigid_triangles"] > 0 and data["skin_triangles"] > 0 and data["skin_vertices"] > 0
    assert data["quality"] == quality and data["size"] == [64, 48] and data["gl_renderer"]


def test_draw_probe_stages_stop_the_draws_where_they_say():
    """The whole draws pass fragments; the rasteriser discard passes none; the 1x1 scissor box at
    most one per draw (the person is in view at the probe's take's first frame)."""
    from benchmarks.draw_probe import draw_pieces, no_pieces
    from phav.render.mesh_programs import GROUND_TRUTH
    from phav.render.renderer import Renderer
    from phav.render.settings import quality_settings
    from phav.scenario import Scenario

    spec = VideoSpec(action="Walk", frames=3, width=64, height=48, seed=0).validate()
    take = Scenario(spec).simulate()
    with Renderer(64, 48, quality_settings("phav")) as r:
        frames = r.render_take(take, MODALITIES)
        next(frames)
        query = r._ctx.query(samples=True)
        no_parts, no_skins = no_pieces(r)
        passed = {}
        for stage in ("whole", "discard", "scissor"):
            for what, parts, skins in (("rigid", None, no_skins), ("skin", no_parts, None)):
                r._gt.zbuffer_fbo.clear(depth=1.0)
                with query:
                    draw_pieces(r, GROUND_TRUTH, r._gt.fbo, parts, skins, stage)
                passed[stage, what] = query.samples
        frames.close()
    assert passed["whole", "rigid"] > 64 * 48 // 4 and passed["whole", "skin"] > 20, passed
    assert passed["discard", "rigid"] == passed["discard", "skin"] == 0, passed
    assert passed["scissor", "rigid"] <= 4 and passed["scissor", "skin"] <= 1, passed


def test_compute_vs_fragment_compares_the_compute_kernels_with_their_fragment_passes(tmp_path):
    from benchmarks.compute_vs_fragment import full_screen_passes, main, pass_times

    summary = {name: {"gpu_ms": 1.0, "wall_ms": 2.0, "count": 3} for name in ("lighting", "motion_blur", "tonemap")}
    summary["ssao"] = {"gpu_ms": 0.5, "wall_ms": 0.25, "count": 3}
    assert pass_times(summary, ("lighting", "motion_blur+tonemap", "ssao+grade")) == {
        "lighting": {"gpu_ms": 1.0, "wall_ms": 2.0}, "motion_blur+tonemap": {"gpu_ms": 2.0, "wall_ms": 4.0}}
    assert full_screen_passes("phav") == ("lighting", "ssao+ssr", "bloom", "motion_blur+tonemap+grade+vignette",
                                          "resolve_img")
    out = tmp_path / "cvf.json"
    assert main(["--sizes", "48x32", "--frames", "2", "--repeats", "1", "--out", str(out)]) == 0
    result = _read(out)["results"]["48x32"]
    for backend in ("fragment", "compute"):
        assert set(result[backend]["passes"]) == set(full_screen_passes("phav")), backend


def test_readback_probe_renders_with_every_pixel_buffer_usage_and_lag(tmp_path):
    from benchmarks.readback_probe import main
    from phav.render.settings import READBACK_USAGES

    out = tmp_path / "readback.json"
    assert main(["--quality", "preview", "--size", "48x32", "--frames", "3", "--repeats", "2", "--out", str(out)]) == 0
    data = _read(out)
    usages = [u for u in READBACK_USAGES if u != "auto"]  # "auto" picks one of the others
    assert set(data["results"]) | set(data["skipped"]) == {f"{usage}, lag {lag}" for usage in usages
                                                           for lag in (1, 2)}
    assert data["fastest"] == max(data["results"], key=lambda name: data["results"][name]["median_per_s"])
    from benchmarks.readback_probe import available_modes, persistent_skip_reason
    from phav.render.context import get_context
    assert all("persistent" not in name for name in available_modes("no GL 4.4"))
    assert len(available_modes(None)) == 2 * len(usages)
    assert (persistent_skip_reason(get_context()) is None) == (get_context().version_code >= 440)
    assert (data["skip_reason"] is None) == (data["skipped"] == [])
    for result in data["results"].values():
        assert len(result["runs_per_s"]) == 2 and all(rate > 0 for rate in result["runs_per_s"])
        assert result["median_per_s"] > 0 and result["cpu_ms_per_frame"] > 0
    assert data["gl_renderer"] and data["size"] == "48x32"

    consumers = data["consumers"]
    assert set(consumers) == {name.split(",")[0] for name in data["results"]}
    for usage, c in consumers.items():
        assert c["encode_ms_per_frame"] > 0 and c["copy_ms_per_frame"] >= 0, usage
        # a slot's first frame is copied and sizes its block; in 3 frames some arrays are views
        assert (c["views"] > 0) == (usage == "persistent_views"), (usage, c["views"])

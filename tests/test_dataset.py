"""Datasets: deterministic plans, manifest, resume, retries, failures, the local pool, output errors."""

from __future__ import annotations

import errno
import re
import json
from pathlib import Path

import pytest

from phav.actions import registry
from phav.actions.registry import ActionRecipe, SignatureResult
from phav.dataset import manifest_path, parse_shard, plan_dataset, read_manifest, run_dataset
from phav.errors import DataError, OutputError, PhavWarning, SpecError
from phav.render.context import GLUnavailableError
from phav.sampling import SamplingConfig, SpecModel
from phav.spec import VideoSpec

pytestmark = pytest.mark.gl

TINY = VideoSpec(frames=3, width=48, height=32)
MODS = ("img", "flow", "classgt")


def tiny_model(**constraints) -> SpecModel:
    """Walk only by default: the tiny videos (a few frames) are too short for most actions' signatures."""
    constraints.setdefault("action", ["Walk"])
    return SpecModel(SamplingConfig.from_dict({"constraints": constraints}), base=TINY)


def folders(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*/*") if p.is_dir())


def hidden(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*/.*"))


# ---- planning (no GL needed, but cheap) -----------------------------------------------------------
def test_plan_is_deterministic_balanced_and_sharded():
    m = tiny_model()
    plan = plan_dataset(m, 3, seed=5)
    assert [v.spec for v in plan] == [v.spec for v in plan_dataset(tiny_model(), 3, seed=5)]
    assert [v.spec.seed for v in plan] != [v.spec.seed for v in plan_dataset(m, 3, seed=6)]
    classes = m.classes()
    assert [v.key for v in plan] == [f"{a}/{i:05d}" for i in range(3) for a in classes]
    shards = [plan_dataset(m, 3, seed=5, shard=(i, 2)) for i in range(2)]
    assert sorted(v.key for s in shards for v in s) == sorted(v.key for v in plan)
    assert not {v.key for v in shards[0]} & {v.key for v in shards[1]}
    # retries change only the seed (and so the folder name)
    retry = plan[0].attempt_spec(1)
    assert retry.replace(seed=plan[0].spec.seed) == plan[0].spec and retry.seed != plan[0].spec.seed


@pytest.mark.parametrize("text, message", [("3", "malformed"), ("2/2", "out of range"), ("a/b", "malformed")])
def test_bad_shard_is_explained(text, message):
    with pytest.raises(SpecError, match=message):
        parse_shard(text)
    assert parse_shard("1/4") == (1, 4)


# ---- running ----------------------------------------------------------------------------------
def test_dataset_writes_videos_and_manifest_and_resumes(tmp_path):
    summary = run_dataset(tmp_path, tiny_model(), 2, seed=1, modalities=MODS, progress=False)
    assert (summary.done, summary.failed, summary.skipped, summary.pending) == (2, 0, 0, 0)
    rows = [json.loads(line) for line in manifest_path(tmp_path).read_text().splitlines()]
    assert len(rows) == 2 and len({r["key"] for r in rows}) == 2
    for row in rows:
        folder = tmp_path / row["path"]
        assert row["status"] == "done" and row["frames"] == 3 and row["seconds"] > 0
        assert row["bytes"] == sum(f.stat().st_size for f in folder.iterdir())
        assert VideoSpec.from_dict(row["spec"]).folder_name() == folder.name
        assert len(list(folder.glob("img_*.jpg"))) == 3
        assert set(row["cpu_s"]) >= {"simulate", "render", "write", "setup", "thread", "process"}
    assert len(folders(tmp_path)) == 2 and not hidden(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in folders(tmp_path)}
    again = run_dataset(tmp_path, tiny_model(), 3, seed=1, modalities=MODS, progress=False)
    assert (again.skipped, again.done) == (2, 1)
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())  # untouched
    resumed = read_manifest(manifest_path(tmp_path))
    assert len(resumed) == 3 == len(folders(tmp_path))
    # only the video this run made carries CPU time; the two carried over lose the earlier run's
    assert sorted(key for key, row in resumed.items() if "cpu_s" in row) == ["Walk/00002"]
    assert all({k: v for k, v in row.items() if k != "cpu_s"} == resumed[row["key"]] for row in rows)


def test_a_video_missing_from_the_manifest_is_recovered_from_its_folder(tmp_path):
    run_dataset(tmp_path, tiny_model(), 1, modalities=MODS, progress=False)
    manifest_path(tmp_path).write_text("")  # as if killed between the rename and the manifest line
    summary = run_dataset(tmp_path, tiny_model(), 1, modalities=MODS, progress=False)
    assert (summary.skipped, summary.done) == (1, 0)
    assert read_manifest(manifest_path(tmp_path))["Walk/00000"]["status"] == "done"


def test_a_rerun_with_other_options_is_refused_before_any_video_is_made(tmp_path):
    """Rerunning finishes a dataset only with the options it was made with: another quality or other
    modalities would count the earlier videos as made; another --frames or --seed would leave them
    beside the new ones, out of the manifest."""
    run_dataset(tmp_path, tiny_model(), 1, seed=1, modalities=MODS, progress=False, quality="preview")
    (row,) = read_manifest(manifest_path(tmp_path)).values()
    assert row["modalities"] == ["img", "flow", "classgt"] and row["quality"] == "preview"
    made = folders(tmp_path)
    for options, message in [
        (dict(quality="phav"), r"holds Walk/00000 \(b0000-.*\) made with quality preview and modalities "
                               r"img,flow,classgt; this run asks for quality phav and modalities img,flow,classgt: "
                               r"rerun with the options it was made with .* or choose another --out"),
        (dict(modalities=("img", "depth", "flow", "classgt")), r"this run asks for quality preview and modalities "
                                                                 r"img,depth,flow,classgt"),
        (dict(model=SpecModel(SamplingConfig.from_dict({"constraints": {"action": ["Walk"]}}),
                               base=TINY.replace(frames=4))), r"holds Walk/00000 \(b0000-.*\) made with "
                                                                      r"frames=3, and this run plans it with frames=4"),
        (dict(seed=2), r"made with seed=\d+, .*, and this run plans it with seed=\d+"),
    ]:
        args = dict(model=tiny_model(), seed=1, modalities=MODS, quality="preview")
        args.update(options)
        with pytest.raises(SpecError, match=message):
            run_dataset(tmp_path, args.pop("model"), 2, progress=False, **args)
        assert folders(tmp_path) == made and not hidden(tmp_path)  # nothing made or removed
    again = run_dataset(tmp_path, tiny_model(), 2, seed=1, modalities=("classgt", "img", "flow"), progress=False,
                        quality="preview")  # the same options (modalities in any order) finish and grow it
    assert (again.skipped, again.done) == (1, 1)


def test_videos_of_a_manifest_without_options_are_checked_by_their_params(tmp_path):
    """Rows written before the manifest recorded options, or folders without a row: the options
    come from each video's params.json (its modalities, its render settings matched to a preset)."""
    run_dataset(tmp_path, tiny_model(), 1, seed=1, modalities=MODS, progress=False, quality="preview")
    path = manifest_path(tmp_path)
    rows = [{k: v for k, v in json.loads(line).items() if k not in ("modalities", "quality")}
            for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert run_dataset(tmp_path, tiny_model(), 1, seed=1, modalities=MODS, progress=False, quality="preview").skipped == 1
    path.write_text("")
    with pytest.raises(SpecError, match="made with quality preview and modalities img,flow,classgt; this run asks "
                                        "for quality high"):
        run_dataset(tmp_path, tiny_model(), 1, seed=1, modalities=MODS, progress=False, quality="high")
    (folder,) = folders(tmp_path)
    (folder / "params.json").write_text('{"spec": ')  # damaged: what it was made with is unknown
    with pytest.raises(DataError, match=r"params.json is not valid JSON \(.*\); a write was cut short .*; what "
                                        rf"{folder.name} was made with is unknown: remove .* and rerun to make it again"):
        run_dataset(tmp_path, tiny_model(), 1, seed=1, modalities=MODS, progress=False, quality="preview")


def test_a_preset_is_recognised_in_the_settings_another_version_wrote():
    import dataclasses

    from phav.dataset.options import preset_of
    from phav.render.settings import quality_settings

    written = dataclasses.asdict(quality_settings("phav"))
    assert preset_of(written) == "phav" and preset_of(dataclasses.asdict(quality_settings("preview"))) == "preview"
    older = {k: v for k, v in written.items() if k != "cull_skin_back_faces"}  # a setting added since
    assert preset_of({**older, "retired_setting": 3}) == "phav"
    assert preset_of({**written, "ssaa": 4}) == "custom" and preset_of(None) == "custom"


@pytest.fixture
def failing_action():
    """A registered action whose signature never holds (removed again after the test)."""
    recipe = ActionRecipe(name="NeverHappens", tags=frozenset({"extra"}), clips=("walk",),
                          signature=lambda take: SignatureResult(False, "by construction"),
                          description="test action that always fails its signature")
    registry.register(recipe)
    yield recipe.name
    registry._REGISTRY.pop(recipe.name)


def test_failed_videos_are_retried_with_new_seeds_then_recorded_and_the_run_goes_on(tmp_path, failing_action):
    m = tiny_model(action=[failing_action, "Walk"])
    summary = run_dataset(tmp_path, m, 1, modalities=MODS, max_attempts=2, progress=False)
    assert (summary.done, summary.failed) == (1, 1) and summary.failures == {"SignatureError": 1}
    assert "failures: SignatureError x1\n  SignatureError, e.g. NeverHappens: SignatureError: " in summary.text()
    assert "by construction" in summary.text().split("e.g.")[1].splitlines()[0]
    row = read_manifest(manifest_path(tmp_path))[f"{failing_action}/00000"]
    assert row["status"] == "failed" and row["attempts"] == 2 and row["path"] is None
    assert row["reason"].count("SignatureError") == 2 and "by construction" in row["reason"]
    seeds = re.findall(r"\(seed (\d+)\)", row["reason"])
    assert len(set(seeds)) == 2
    assert not (tmp_path / failing_action).exists() or not any((tmp_path / failing_action).iterdir())
    # a rerun keeps the failure unless asked to retry it
    rerun = run_dataset(tmp_path, m, 1, modalities=MODS, max_attempts=2, progress=False)
    assert (rerun.skipped, rerun.kept_failed, rerun.done, rerun.failed) == (2, 1, 0, 0)
    assert rerun.text().startswith("2 videos planned: 1 already done, 1 failed in an earlier run (kept: "
                                   "--retry-failed makes them again), 0 made, 0 failed, 0 left")
    retried = run_dataset(tmp_path, m, 1, modalities=MODS, max_attempts=2, progress=False, retry_failed=True)
    assert retried.failed == 1
    # other options plan other videos: the failure of a video of 3 frames does not stand for one of 4
    # (with a made video in the folder, such a rerun is refused: test_a_rerun_with_other_options_...)
    alone = tiny_model(action=[failing_action])
    assert run_dataset(tmp_path / "alone", alone, 1, modalities=MODS, max_attempts=2, progress=False).failed == 1
    longer = SpecModel(alone.config, base=TINY.replace(frames=TINY.frames + 1))
    remade = run_dataset(tmp_path / "alone", longer, 1, modalities=MODS, max_attempts=2, progress=False)
    assert (remade.kept_failed, remade.done, remade.failed) == (0, 0, 1)


def test_disk_full_stops_the_run_and_keeps_finished_videos(tmp_path, monkeypatch):
    import phav.pipeline

    real = phav.pipeline.generate_video
    calls = []

    def full_after_one(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "cannot write img_00001.jpg: the disk is full")
        return real(*args, **kwargs)

    monkeypatch.setattr(phav.pipeline, "generate_video", full_after_one)
    with pytest.raises(OutputError, match="disk is full.*1 finished videos are kept"):
        run_dataset(tmp_path, tiny_model(), 3, modalities=MODS, progress=False)
    rows = read_manifest(manifest_path(tmp_path))
    assert [r["status"] for r in rows.values()] == ["done", "pending", "pending"]
    assert len(folders(tmp_path)) == 1
    monkeypatch.setattr(phav.pipeline, "generate_video", real)
    summary = run_dataset(tmp_path, tiny_model(), 3, modalities=MODS, progress=False)
    assert (summary.skipped, summary.done) == (1, 2)


def test_a_shader_the_driver_refuses_stops_the_run_with_one_line(tmp_path, monkeypatch):
    import phav.dataset.worker as worker
    from phav.render.shaders import ShaderError

    def refused(*args, **kwargs):
        raise ShaderError("shader program fullscreen.vert + lighting.frag failed to build (fragment_shader):\n"
                          "GLSL Compiler failed\n\npost_fragment.glsl:9 : error C0115: #line source-string number invalid")

    worker.release_renderer()
    monkeypatch.setattr(worker, "_renderer", refused)
    with pytest.raises(OutputError) as caught:
        run_dataset(tmp_path, tiny_model(), 3, modalities=MODS, progress=False)
    message = str(caught.value)
    assert "\n" not in message
    assert "cannot build phav's shaders" in message and "lighting.frag" in message and "C0115" in message
    assert "0 finished videos are kept, 3 left" in message
    assert [r["status"] for r in read_manifest(manifest_path(tmp_path)).values()] == ["pending"] * 3
    assert folders(tmp_path) == [] and hidden(tmp_path) == []


def test_a_renderer_too_large_for_the_gl_stops_the_run_before_any_video(tmp_path, monkeypatch):
    """No video of a run can be made when its size and quality need targets the GL cannot have: the
    run stops at once with the reason instead of failing every video three times."""
    import phav.dataset.worker as worker
    import phav.render.targets as targets

    worker.release_renderer()
    monkeypatch.setattr(targets, "largest_target_side", lambda ctx: 40)  # tiny_model's 48x32 is too wide
    with pytest.raises(OutputError) as caught:
        run_dataset(tmp_path, tiny_model(), 3, modalities=MODS, progress=False, quality="preview")
    message = str(caught.value)
    assert message.startswith("48x32 with 1x supersampling renders at 48x32, and this GL's targets are at most 40 "
                              "pixels a side") and "0 finished videos are kept, 3 left" in message
    assert [r["status"] for r in read_manifest(manifest_path(tmp_path)).values()] == ["pending"] * 3
    assert folders(tmp_path) == [] and hidden(tmp_path) == []


def test_unusable_output_and_bad_arguments_are_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="choose another --out"):
        run_dataset(blocker / "ds", tiny_model(), 1, progress=False)
    with pytest.raises(SpecError, match="unknown class 'Juggle'; valid classes: .*Walk"):
        run_dataset(tmp_path, tiny_model(), 1, classes=["Juggle"], progress=False)
    with pytest.raises(SpecError, match="unknown backend"):
        run_dataset(tmp_path, tiny_model(), 1, backend="slurm", progress=False)


def test_stale_partial_folders_of_dead_processes_are_removed(tmp_path):
    plan = plan_dataset(tiny_model(), 1, seed=0)
    folder = plan[0].folders(tmp_path, 1)[0]
    stale = folder.parent / f".{folder.name}.partial-999999999"
    stale.mkdir(parents=True)
    (stale / "img_00001.jpg").write_bytes(b"half")
    other = folder.parent / ".someone-else.partial-999999999"
    other.mkdir()
    run_dataset(tmp_path, tiny_model(), 1, modalities=MODS, progress=False)
    assert not stale.exists() and other.exists()  # only this plan's partials are touched
    assert folder.is_dir()


@pytest.mark.slow
def test_local_pool_of_two_workers_matches_one_process_byte_for_byte(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    run_dataset(one, tiny_model(), 2, seed=3, modalities=MODS, progress=False, workers=1)
    summary = run_dataset(two, tiny_model(), 2, seed=3, modalities=MODS, progress=False, workers=2)
    assert summary.done == 2
    names = [p.relative_to(one) for p in folders(one)]
    assert names == [p.relative_to(two) for p in folders(two)]
    for name in names:
        for f in sorted((one / name).glob("*_0000*.*")):
            assert f.read_bytes() == (two / name / f.name).read_bytes(), f


def test_cli_dataset_runs_and_lists_unknown_classes(tmp_path, capsys):
    from phav.cli import main

    with pytest.raises(SystemExit) as info:
        main(["dataset", "--out", str(tmp_path), "--videos-per-class", "1", "--classes", "Walk", "--frames", "3", "--size", "48x32",
              "--modalities", "img", "--no-progress", "--weather", "Cloudy"])
    assert info.value.code == 0
    err = capsys.readouterr().err
    assert "1 videos planned: 0 already done, 1 made, 0 failed, 0 left" in err
    # 3 frames are shorter than a Walk takes: said before any work (the video made it anyway)
    assert err.startswith("warning: videos of at most 3 frames are shorter than a class needs at 30 fps (Walk 30 frames)")
    (row,) = read_manifest(manifest_path(tmp_path)).values()
    assert row["spec"]["weather"] == "Cloudy"
    with pytest.raises(SystemExit) as info:
        main(["dataset", "--out", str(tmp_path), "--videos-per-class", "1", "--classes", "Juggle"])
    assert info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "unknown class 'Juggle'" in err and "Walk" in err


def test_a_smaller_plan_warns_of_the_videos_it_leaves_out_and_a_larger_one_lists_them_again(tmp_path):
    run_dataset(tmp_path, tiny_model(), 2, seed=1, modalities=MODS, progress=False)
    with pytest.warns(PhavWarning, match=r"holds 1 video an earlier run planned and this one does not \(e.g. "
                                         r"Walk/00001\): they stay in the folder but leave the manifest and the "
                                         r"exports; rerun with the earlier --videos-per-class and --classes"):
        smaller = run_dataset(tmp_path, tiny_model(), 1, seed=1, modalities=MODS, progress=False)
    assert smaller.skipped == 1 and len(folders(tmp_path)) == 2 and len(read_manifest(manifest_path(tmp_path))) == 1
    again = run_dataset(tmp_path, tiny_model(), 2, seed=1, modalities=MODS, progress=False)
    assert (again.skipped, again.done) == (2, 0) and len(read_manifest(manifest_path(tmp_path))) == 2


def test_cli_shows_phavs_warnings_as_one_line_each(tmp_path, capsys):
    import warnings

    from phav.cli import main

    run_dataset(tmp_path, tiny_model(), 2, seed=1, modalities=("img",), progress=False, quality="preview")
    shown = warnings.showwarning
    with pytest.raises(SystemExit) as info:
        main(["dataset", "--out", str(tmp_path), "--videos-per-class", "1", "--classes", "Walk", "--frames", "3",
              "--size", "48x32", "--modalities", "img", "--no-progress", "--quality", "preview", "--seed", "1"])
    assert info.value.code == 0 and warnings.showwarning is shown  # the CLI's display is undone on the way out
    lines = capsys.readouterr().err.splitlines()
    assert [line for line in lines if "earlier run planned" in line] == [
        f"warning: {tmp_path} holds 1 video an earlier run planned and this one does not (e.g. Walk/00001): they "
        "stay in the folder but leave the manifest and the exports; rerun with the earlier --videos-per-class and "
        "--classes to keep them listed"]


def test_quality_preset_reaches_every_video(tmp_path):
    summary = run_dataset(tmp_path, tiny_model(), 1, modalities=MODS, progress=False, quality="preview")
    assert summary.done == 1
    (folder,) = folders(tmp_path)
    render = json.loads((folder / "params.json").read_text())["meta"]["render"]
    assert render["ssaa"] == 1 and render["post"] == ["tonemap"]
    with pytest.raises(SpecError, match="unknown quality"):
        run_dataset(tmp_path, tiny_model(), 1, progress=False, quality="ultra")


@pytest.mark.parametrize("args, message", [
    (["--size", "49x32", "--export", "mp4"], "export mp4 needs an even width and height (H.264 yuv420p), and the size "
                                             "is 49x32; use --size 50x32 or leave mp4 out of --export"),
    (["--modalities", "img,depth", "--export", "kitti"], "export kitti needs the flow modality; add it to --modalities"),
    (["--frames", "3", "--shard", "3/2"], "shard '3/2' is out of range"),  # and no warning about the length first
    (["--frames", "3", "--split", "30,0,0", "--export", "posec3d"], "the split 30,0,0 covers 30 actor presets but"),
    (["--frames", "3", "--split", "30,0,0", "--export", "lists", "--dry-run"], "the split 30,0,0 covers 30 actor"),
])
def test_cli_dataset_refuses_what_it_could_not_finish_before_any_video_is_made(tmp_path, capsys, args, message):
    from phav.cli import main

    with pytest.raises(SystemExit) as info:
        main(["dataset", "--out", str(tmp_path / "ds"), "--videos-per-class", "1", "--classes", "Walk",
              "--no-progress", *args])
    assert info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not (tmp_path / "ds").exists()


def test_a_list_of_egl_devices_is_dealt_out_to_the_pool_processes_in_turn(monkeypatch):
    """PHAV_EGL_DEVICE=5,7 (a machine with several GPUs): the first pool process renders on device
    5, the second on 7, the third on 5 again (the count goes on across pool rebuilds); a single
    process takes the first."""
    from phav.dataset.local import SPAWN, spawn_pool, take_device
    from phav.render.context import egl_device_from_env, egl_devices_from_env

    monkeypatch.setenv("PHAV_EGL_DEVICE", "5,7")
    assert egl_devices_from_env() == [5, 7] and egl_device_from_env() == 5
    started = SPAWN.Value("i", 0)
    dealt = []
    for _ in range(3):  # the initializer each process runs first, in start order
        take_device(started, [5, 7])
        dealt.append(egl_device_from_env())
    assert dealt == [5, 7, 5] and started.value == 3
    with spawn_pool(1, started, [5, 7]) as pool:  # a spawned process runs it: the fourth takes 7
        assert pool.submit(egl_device_from_env).result() == 7
    assert started.value == 4
    monkeypatch.setenv("PHAV_EGL_DEVICE", "0,x")
    with pytest.raises(GLUnavailableError, match="comma-separated list"):
        egl_devices_from_env()


def test_a_worker_given_another_gpu_makes_its_renderer_and_context_anew_there(monkeypatch, devices_made_on):
    """Ray sets CUDA_VISIBLE_DEVICES for each task and may give a reused worker another GPU: the
    worker's renderer and GL context follow the device the environment names; the same device
    keeps both."""
    from phav.dataset import worker
    from phav.render import context as glctx

    def run() -> None:
        try:
            monkeypatch.setenv("PHAV_EGL_DEVICE", "0")
            first = worker._renderer(48, 32, "preview")
            assert worker._renderer(48, 32, "preview") is first and glctx.thread_context_device() == 0
            monkeypatch.setenv("PHAV_EGL_DEVICE", "2")
            second = worker._renderer(48, 32, "preview")
            assert second is not first and first.closed and not second.closed
            assert glctx.thread_context_device() == 2 and worker._renderer(48, 32, "preview") is second
        finally:
            worker.release_renderer()
            glctx.release_thread_context()

    assert devices_made_on(run) == [0, 2]


# ---- the manifest read back, and rows that name folders outside the dataset ------------------------
def test_only_a_torn_last_line_is_skipped_and_any_other_line_that_is_no_row_is_named(tmp_path):
    run_dataset(tmp_path, tiny_model(), 2, modalities=MODS, progress=False)
    path = manifest_path(tmp_path)
    first, second = path.read_text().splitlines()
    path.write_text(f"{first}\n{second}\n{second[:40]}")  # killed while writing a line
    assert sorted(read_manifest(path)) == ["Walk/00000", "Walk/00001"]
    summary = run_dataset(tmp_path, tiny_model(), 3, modalities=MODS, progress=False)  # appends after cutting it off
    assert (summary.skipped, summary.done) == (2, 1) and len(read_manifest(path)) == 3
    for lines, problem in [([first, second[:40], second], r"line 2 is not valid JSON \(Unterminated string"),
                           ([first, "[1, 2]", second], r"line 2 is not a manifest row \(a JSON object with a key"),
                           (['{"key": "Walk/00000"}'], r"line 1 is not a manifest row"),
                           ([first, "\udcff"], r"line 2 is not UTF-8 text")]:
        path.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape") + b"\n")
        with pytest.raises(DataError, match=rf"^{re.escape(str(path))}: {problem}.*mend or delete that line"):
            read_manifest(path)
        with pytest.raises(DataError, match=problem):  # the run refuses it before it makes anything
            run_dataset(tmp_path, tiny_model(), 3, modalities=MODS, progress=False)


@pytest.mark.parametrize("path", ["../victim", "/tmp", "Walk/../../victim", "Run/{name}"])
def test_a_run_an_export_and_open_dataset_refuse_a_row_naming_a_folder_outside_the_dataset(tmp_path, path):
    from phav.dataset import open_dataset
    from phav.dataset.package import package_dataset

    root = tmp_path / "ds"
    run_dataset(root, tiny_model(), 1, modalities=MODS, progress=False)
    (victim := tmp_path / "victim").mkdir()
    row = read_manifest(manifest_path(root))["Walk/00000"]
    row["path"] = path.format(name=Path(row["path"]).name)
    manifest_path(root).write_text(json.dumps(row) + "\n")
    message = rf"the manifest row of Walk/00000 is refused: its path '{re.escape(row['path'])}'"
    with pytest.raises(DataError, match=message):
        package_dataset(root, ("lists", "tsn-flow"), split=(20, 0, 0))
    assert not list(victim.iterdir()) and not (root / "classInd.txt").exists()
    with pytest.raises(DataError, match=message):
        open_dataset(root)
    with pytest.raises(DataError, match=message):
        run_dataset(root, tiny_model(), 1, modalities=MODS, progress=False)
    from phav.dataset.status import plan_status

    with pytest.raises(DataError, match=message):
        plan_status(root, tiny_model(), 1, modalities=MODS)


# ---- exit status and what the CLI refuses ------------------------------------------------------------
def test_a_run_that_ends_with_failed_videos_exits_3_and_says_how_to_retry(tmp_path, capsys, failing_action):
    from phav.cli import main

    args = ["dataset", "--out", str(tmp_path), "--videos-per-class", "1", "--classes", f"{failing_action},Walk",
            "--frames", "3", "--size", "48x32", "--modalities", "img", "--no-progress", "--attempts", "1"]
    for extra in ([], ["--export", "lists"], ["--retry-failed"]):  # failed now, kept from the run before, failed again
        with pytest.raises(SystemExit) as info:
            main([*args, *extra])
        assert info.value.code == 3
        lines = capsys.readouterr().err.strip().splitlines()
        assert lines[-1] == ("phav-render: 1 of 2 planned videos failed; rerun the same command with --retry-failed to "
                             "try them again")
    assert (tmp_path / "mmaction_rawframes_train.txt").is_file()  # the exports of the made videos were written
    with pytest.raises(SystemExit) as info:  # a complete plan exits 0
        main([*args[:6], "Walk", *args[7:]])
    assert info.value.code == 0


def test_a_dry_run_refuses_an_output_the_run_would_refuse(tmp_path, capsys):
    from phav.cli import main

    (tmp_path / "file").write_text("x")
    for out, message in [(tmp_path / "file", f"dataset folder {tmp_path / 'file'} is not a writable folder; choose "
                                             "another --out"),
                         (tmp_path / "file" / "ds", f"cannot create the dataset folder {tmp_path / 'file' / 'ds'}: Not "
                                                    "a directory; choose another --out")]:
        for dry in (["--dry-run"], []):
            with pytest.raises(SystemExit) as info:
                main(["dataset", "--out", str(out), "--videos-per-class", "1", "--classes", "Walk", "--frames", "3",
                      "--size", "48x32", "--no-progress", *dry])
            assert info.value.code == 1
            assert capsys.readouterr().err.strip().splitlines()[-1] == f"phav-render: error: {message}"

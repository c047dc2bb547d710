"""phav-render: the main job, determinism, and one-line errors for bad input."""

import filecmp
import os
import tempfile
from pathlib import Path

import pytest

from phav.cli import main

pytestmark = pytest.mark.gl

SMALL = ["--frames", "4", "--size", "96x72"]  # shorter than Walk needs: its videos come with a warning
#: As long as Walk needs (30 frames), for the tests that fail before rendering.
ENOUGH = ["--frames", "30", "--size", "96x72"]


def run(args, capsys):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def video_files(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*")) if p.is_file()}


def test_walk_video_has_every_file_of_the_layout(tmp_path, capsys):
    code, out, err = run(["video", "--action", "Walk", "--seed", "0", "--out", str(tmp_path), *SMALL], capsys)
    assert code == 0, err
    folder = Path(out.strip())
    assert folder.parent == tmp_path / "Walk"
    fields = folder.name.split("-")
    assert fields[0] == "b0000" and fields[1:8] == ["Plain", "Day", "Clear", "walk", "Model_Default", "Kite", "n"]
    names = set(os.listdir(folder))
    for n in range(1, 5):
        for pattern in ("img_%05d.jpg", "raw_%05d.jpg", "depth_%05d.png", "flow_x_%05d.png", "flow_y_%05d.png",
                        "classgt_%05d.png", "instancegt_%05d.png"):
            assert pattern % n in names
    assert {"instances.txt", "annotations.json", "params.json"} <= names
    assert "img_00005.jpg" not in names and "img_00000.jpg" not in names
    assert not [n for n in os.listdir(tmp_path / "Walk") if n.startswith(".")]  # no temporary folder left


def test_same_command_twice_gives_byte_identical_files(tmp_path, capsys):
    args = ["video", "--action", "Walk", "--seed", "3", *SMALL]
    assert run([*args, "--out", str(tmp_path / "a")], capsys)[0] == 0
    assert run([*args, "--out", str(tmp_path / "b")], capsys)[0] == 0
    a, b = video_files(tmp_path / "a"), video_files(tmp_path / "b")
    assert a.keys() == b.keys() and len(a) > 30
    different = [name for name in a if not filecmp.cmp(a[name], b[name], shallow=False)]
    assert different == []


def test_modalities_subset_writes_only_those(tmp_path, capsys):
    code, out, _ = run(["video", "--action", "Walk", "--modalities", "depth,classgt", "--out", str(tmp_path), *SMALL], capsys)
    assert code == 0
    names = set(os.listdir(out.strip()))
    assert "depth_00001.png" in names and "classgt_00004.png" in names
    assert not any(n.startswith(("img_", "raw_", "flow_", "instancegt_")) for n in names)
    assert {"annotations.json", "params.json"} <= names


@pytest.mark.parametrize(
    "args, words",
    [
        (["--action", "Moonwalk"], "valid actions: "),
        (["--action", "Walk", "--size", "abc"], "WxH"),
        (["--action", "Walk", "--size", "0x256"], "size"),
        (["--action", "Walk", "--size", "99999x99999"], "size"),
        (["--action", "Walk", "--frames", "0"], "--frames"),
        (["--action", "Walk", "--frames", "-3"], "--frames"),
        (["--action", "Walk", "--seconds", "0"], "--seconds"),
        (["--action", "Walk", "--seconds", "inf"], "--seconds: must be a positive number of seconds, got inf"),
        (["--action", "Walk", "--seconds", "nan"], "--seconds: must be a positive number of seconds, got nan"),
        (["--action", "Walk", "--seconds", "1e300"], "--seconds: 1e+300 s at 30 fps is more than 100000 frames"),
        (["--action", "Walk", "--seconds", "2", "--fps", "inf"], "--fps: must be a positive number, got inf"),
        (["--action", "Walk", "--modalities", "img,xray"], "xray"),
        (["--action", "SyntheticCarHit", "--environment", "House", "--camera", "Indoor"],
         "does not take place in environment House; choose one of Plain"),
        (["--action", "Walk", "--clip", "moonwalk"], "action Walk has no clip 'moonwalk'; its clips: walk"),
        (["--action", "Walk", "--environment", "House", "--camera", "Kite"], "use --camera Indoor"),
        (["--action", "Pour", "--variation", "b"], "does not combine with variation 'b'"),
    ],
)
def test_bad_input_gets_one_line_error_and_no_output(tmp_path, capsys, args, words):
    """A spec that cannot be made, whether click or the action finds it, is a usage error (exit 2)."""
    out_root = tmp_path / "out"
    code, _, err = run(["video", *args, "--out", str(out_root)], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], err
    assert not out_root.exists()


def test_existing_video_folder_needs_overwrite(tmp_path, capsys):
    args = ["video", "--action", "Walk", "--out", str(tmp_path), *SMALL]
    assert run(args, capsys)[0] == 0
    code, _, err = run(args, capsys)
    assert code != 0 and "--overwrite" in err and len(err.strip().splitlines()) == 1
    assert run([*args, "--overwrite"], capsys)[0] == 0


def test_unwritable_output_path_is_refused(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = run(["video", "--action", "Walk", "--out", str(blocker / "out"), *SMALL], capsys)
    assert code != 0 and "not a folder" in err and len(err.strip().splitlines()) == 1
    assert blocker.read_text() == "not a folder"


def test_list_actions_comes_from_the_registry(capsys):
    from phav.actions import action_names

    code, out, _ = run(["list", "actions"], capsys)
    assert code == 0
    rows = [line.split("\t") for line in out.strip().splitlines()]
    assert [row[0] for row in rows] == action_names() and "Walk" in action_names()
    by_name = {row[0]: row for row in rows}
    assert by_name["Walk"][1:4] == ["mocap-like", "nwpbo", "-"]  # tags, variations, excluded environments
    assert by_name["Run"][2] == "nwbo" and by_name["SyntheticCarHit"][3] == "House"


def test_too_short_for_the_action_says_how_long_it_must_be(tmp_path, capsys):
    """Warned before simulating; refused, with the same number, when the take does not show the action."""
    code, _, err = run(["video", "--action", "Clap", "--frames", "10", "--size", "64x48", "--out", str(tmp_path / "o")], capsys)
    warning, error = err.strip().splitlines()
    assert warning == ("warning: 10 frames are shorter than Clap needs (2.8 s, 84 frames at 30 fps); if the take does "
                       "not show the action, its check refuses the video: give --frames 84 or more")
    assert code == 1 and error.startswith("phav-render: error: Clap was not performed visibly")
    assert error.endswith("it needs about 2.8 s: use --frames 84 or more")
    assert not (tmp_path / "o").exists()


def test_a_video_shorter_than_its_action_needs_is_made_with_a_warning(tmp_path, capsys):
    """Walk needs 1 s; 4 frames that still show a walk make a video, and the user is told first."""
    code, out, err = run(["video", "--action", "Walk", "--frames", "4", "--size", "64x48", "--quality", "preview",
                          "--out", str(tmp_path)], capsys)
    assert code == 0 and Path(out.strip()).is_dir()
    assert err.strip().splitlines() == [
        "warning: 4 frames are shorter than Walk needs (1 s, 30 frames at 30 fps); if the take does not show the "
        "action, its check refuses the video: give --frames 30 or more"]


def test_frames_help_says_what_an_unset_length_gives():
    """video: 60 frames; dataset and sample: each class as long as its action needs."""
    from click.testing import CliRunner

    from phav.cli import cli

    def frames_help(command):
        text = " ".join(CliRunner().invoke(cli, [command, "--help"]).output.split())
        return text.split("--frames INTEGER ")[1].split(" --seconds")[0]

    assert frames_help("video") == "Number of frames [default: 60]."
    for command in ("dataset", "sample"):
        assert frames_help(command) == "Number of frames [default: as many as each class's action needs, at least 60].", command


@pytest.mark.parametrize("name, content, words", [
    ("walk.json", b'{"frames": [1,2', "walk.json: invalid clip file: Expecting ',' delimiter"),
    ("walk.json", b"\xff\xfe\x00", "walk.json: invalid clip file: not UTF-8 text"),
    ("walk.bvh", b"garbage", "walk.bvh: no MOTION section (is this a BVH file?)"),
])
def test_a_corrupt_motion_file_is_one_line_naming_it(tmp_path, capsys, monkeypatch, name, content, words):
    motions = tmp_path / "motions"
    motions.mkdir()
    (motions / name).write_bytes(content)
    monkeypatch.setenv("PHAV_MOTIONS", str(motions))
    code, _, err = run(["video", "--action", "Walk", "--out", str(tmp_path / "o"), *ENOUGH], capsys)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith(f"phav-render: error: {motions}/") and words in lines[0], err
    assert not (tmp_path / "o").exists()


def test_a_motion_folder_that_does_not_exist_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PHAV_MOTIONS", str(tmp_path / "typo"))
    code, _, err = run(["video", "--action", "Walk", "--out", str(tmp_path / "o"), *ENOUGH], capsys)
    assert code == 1 and err.strip().splitlines() == [
        f"phav-render: error: $PHAV_MOTIONS lists {tmp_path / 'typo'}, which does not exist; fix or unset "
        "$PHAV_MOTIONS (folders of .json/.bvh clip files, separated by ':')"]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", [["phav-render"], ["-m", "phav.cli"]])
@pytest.mark.parametrize("args", [["--help"], ["list", "environments"]])
def test_a_plugin_in_phav_plugins_that_cannot_load_is_one_line(command, args):
    """PHAV_PLUGINS is read when phav is imported (worker processes need it), which for phav-render
    is before its error handling: the CLI reports the plugin in one line, even for --help."""
    import subprocess
    import sys

    program = [str(Path(sys.executable).with_name("phav-render"))] if command == ["phav-render"] else [sys.executable, *command]
    env = dict(os.environ, PHAV_PLUGINS="nosuchmod", PYTHONPATH=str(Path(__import__("phav").__file__).parents[1]))
    result = subprocess.run([*program, *args], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "phav-render: error: PHAV_PLUGINS=nosuchmod: cannot import plugin module 'nosuchmod' (No module named "
        "'nosuchmod'); check the name and that it is on the Python path (PYTHONPATH or installed)"]


def test_importing_phav_with_a_plugin_that_cannot_load_raises_it():
    """From Python, `import phav` loads PHAV_PLUGINS or raises the PluginError naming it."""
    import subprocess
    import sys

    env = dict(os.environ, PHAV_PLUGINS="nosuchmod", PYTHONPATH=str(Path(__import__("phav").__file__).parents[1]))
    result = subprocess.run([sys.executable, "-c", "import phav"], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        "phav.plugins.PluginError: PHAV_PLUGINS=nosuchmod: cannot import plugin module 'nosuchmod'")


def test_a_variation_the_action_does_not_declare_is_refused(tmp_path, capsys):
    code, _, err = run(["video", "--action", "Pour", "--variation", "b", "--out", str(tmp_path / "o"), *SMALL], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "does not combine with variation 'b'" in err and not (tmp_path / "o").exists()


def test_a_take_that_cannot_be_simulated_gets_one_line_error_and_no_output(tmp_path, capsys, monkeypatch):
    """A simulation that leaves its valid range (made to here, at the first step) fails the video
    with one line naming the action and the seed and advising another seed; nothing is written."""
    import phav.scenario
    from phav.physics import SimulationError

    def explode(*args, **kwargs):
        raise SimulationError("t=0.004 s: link pelvis moves at 99.0 m/s (bound 50.0 m/s); the body exploded")

    monkeypatch.setattr(phav.scenario, "run_physics", explode)
    code, _, err = run(["video", "--action", "Walk", "--seed", "7", "--out", str(tmp_path / "o"), *ENOUGH], capsys)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1, err
    assert "Walk (seed 7) could not be simulated: t=0.004 s" in lines[0], err
    assert lines[0].endswith("the body exploded; try another seed"), err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("variable, value, words", [
    ("PHAV_GL", "vulkan", "PHAV_GL='vulkan' is not a backend; choose one of egl, glfw"),
    ("PHAV_EGL_DEVICE", "gpu0", "PHAV_EGL_DEVICE='gpu0' is not a device index"),
    ("PHAV_EGL_DEVICE", "999", "PHAV_EGL_DEVICE=999 names no EGL device: EGL finds "),  # not "install a driver"
])
def test_no_gl_context_gets_one_line_error_and_no_output(tmp_path, capsys, monkeypatch, variable, value, words):
    """When no GL context can be made (here: an invalid setting; no driver says what to install,
    tests/render/test_renderer.py), the video fails with one line and writes nothing."""
    import threading

    import phav.render.context as glctx

    # As in a fresh process: this thread has no context yet, the next renderer makes one.
    monkeypatch.setattr(glctx, "_thread_context", threading.local())
    monkeypatch.delenv("PHAV_GL", raising=False)  # the default backend, egl
    monkeypatch.setenv(variable, value)
    code, _, err = run(["video", "--action", "Walk", "--out", str(tmp_path / "o"), *ENOUGH], capsys)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and words in lines[0], err
    assert not (tmp_path / "o").exists()


def test_python_m_phav_cli_has_every_command():
    """`python -m phav.cli` runs the same command group as the `phav-render` entry point."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "phav.cli", "--help"], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    commands = [line.split()[0] for line in out.split("Commands:")[1].strip().splitlines()]
    assert commands == ["check", "dataset", "list", "sample", "serve", "video", "view"], out


def test_a_shader_the_driver_refuses_gets_one_line_and_the_whole_log_in_a_file(tmp_path, capsys, monkeypatch):
    """A driver that refuses one of phav's shaders (NVIDIA once refused a trailing #line) fails the
    video with one line naming the program and the compiler's error; the whole log goes to a file."""
    import phav.render.mesh_programs
    from phav.render.shaders import ShaderError

    log = ("shader program fullscreen.vert + lighting.frag failed to build (fragment_shader):\n"
           "GLSL Compiler failed\n\npost_fragment.glsl:9 : error C0115: #line source-string number invalid")

    def refused(*args, **kwargs):
        raise ShaderError(log)

    monkeypatch.setattr(phav.render.mesh_programs, "create_program", refused)  # the first program a renderer builds
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)  # TMPDIR is read again
    code, _, err = run(["video", "--action", "Walk", "--out", str(tmp_path / "o"), *ENOUGH], capsys)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1, err
    assert "cannot build phav's shaders (shader program fullscreen.vert + lighting.frag" in lines[0], err
    assert "error C0115" in lines[0] and "please report it" in lines[0], err
    saved = list((tmp_path / "tmp").glob("phav-shader-error-*.log"))
    assert len(saved) == 1 and str(saved[0]) in lines[0] and saved[0].read_text() == log + "\n"
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("signum, code, line", [(15, 143, "phav-render: terminated (SIGTERM)"),
                                                (1, 129, "phav-render: terminated (SIGHUP)"),
                                                (2, 130, "phav-render: aborted")])
def test_a_signalled_render_leaves_no_partial_folder(tmp_path, signum, code, line):
    """SIGTERM (kill, timeout, a scheduler) and SIGHUP (the session closed) unwind like Ctrl-C: the
    partial video is removed."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "phav.cli", "video", "--action", "Walk", "--seconds", "60",
                             "--size", "64x48", "--quality", "preview", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("Walk/.*.partial-*/img_00001.jpg")):  # frames are being written
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(signal.Signals(signum))
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == code and err.strip().splitlines()[-1] == line
    assert not list(out.rglob("*"))  # nothing half-written, not even the class folder

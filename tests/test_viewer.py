"""The interactive viewer: playback state, overlays, the scene session, the loop, and the no-display error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from phav.frames import MODALITIES
from phav.spec import VideoSpec
from phav.viewer.overlay import BOX_COLOUR, JOINT_COLOUR, draw_annotations, draw_box, draw_point
from phav.viewer.player import VIEW_MODALITIES, Player


def test_view_without_a_display_says_so_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run([sys.executable, "-c", "from phav.cli import main; main()", "view", "--action", "Walk"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("phav-render: error: no display")
    assert "xvfb-run" in lines[0]


def test_player_advances_at_the_frame_rate_and_loops() -> None:
    player = Player(num_frames=3, fps=10.0)
    assert player.advance(0.05) == 0
    assert player.advance(0.06) == 1  # 0.11 s: one frame period passed
    assert player.advance(0.2) == 0  # two more: 2, then back to 0
    player.loop = False
    assert player.advance(0.5) == 2 and player.paused


def test_keys_pause_step_restart_and_switch() -> None:
    player = Player(num_frames=5, fps=30.0, cameras=("Kite", "Tripod"))
    player.press("space")
    assert player.paused and player.advance(1.0) == 0
    player.press("right"), player.press("right")
    assert player.frame == 2
    player.press("left")
    assert player.frame == 1
    player.press("r")
    assert player.frame == 0
    assert [(player.press("m"), player.modality)[1] for _ in VIEW_MODALITIES] == list(VIEW_MODALITIES[1:] + ("rgb",))
    player.press("5")
    assert player.modality == "semantic"
    player.press("o")
    assert player.overlay
    player.press("c")
    assert player.camera == 1 and player.camera_changed
    player.new_take(3)
    assert not player.camera_changed
    assert not player.press("z")
    player.press("q")
    assert player.quit_requested


def test_modalities_not_rendered_are_skipped() -> None:
    player = Player(num_frames=2, fps=30.0, modalities=("depth", "rgb"), modality="flow")
    assert player.modality == "rgb"  # the first of those rendered
    player.press("m")
    assert player.modality == "depth"
    player.press("4")  # flow was not rendered: no change
    assert player.modality == "depth"


def test_overlay_draws_boxes_and_joints_in_place() -> None:
    image = np.zeros((10, 12, 3), dtype=np.uint8)
    draw_box(image, (2.2, 1.0, 6.0, 5.4), BOX_COLOUR)
    assert (image[1, 2:7] == BOX_COLOUR).all() and (image[5, 2:7] == BOX_COLOUR).all()
    assert (image[1:6, 2] == BOX_COLOUR).all() and (image[1:6, 6] == BOX_COLOUR).all()
    assert (image[2:5, 3:6] == 0).all()  # outline only
    dot = np.zeros((5, 5, 3), dtype=np.uint8)
    draw_point(dot, 0.4, 4.0, JOINT_COLOUR)  # near a corner: clipped
    assert (dot[3:5, 0:2] == JOINT_COLOUR).all() and int(dot.any(axis=2).sum()) == 4
    frame = {"persons": [{"bbox_2d": [0, 0, 4, 4], "joints_2d": {"head": [2.0, 2.0], "foot": None},
                          "visible": {"head": True}}]}
    base = np.zeros((6, 6, 3), dtype=np.uint8)
    out = draw_annotations(base, frame)
    assert (out[2, 2] == JOINT_COLOUR).all() and (out[0, 0] == BOX_COLOUR).all() and not base.any()
    face = draw_annotations(np.zeros((6, 6, 3), np.uint8), {"persons": [{"joints_2d": {"nose": [3.0, 3.0]}}]})
    assert int(face.any(axis=2).sum()) == 1 and (face[3, 3] == JOINT_COLOUR).all()  # a face point: one pixel


def test_camera_cycle_keeps_phavs_indoor_rule() -> None:
    from phav.viewer.session import camera_cycle

    assert camera_cycle(VideoSpec(environment="House", camera="Indoor")) == ("Indoor",)
    cycle = camera_cycle(VideoSpec(environment="Plain", camera="Tripod"))
    assert cycle[0] == "Tripod" and "Indoor" not in cycle and len(cycle) == 5


class FakeWindow:
    """Stands in for the GLFW window: feeds keys one batch per poll, records what is shown."""

    def __init__(self, key_batches: list[list[str]]) -> None:
        self.batches = list(key_batches)
        self.shown: list[np.ndarray] = []
        self.titles: list[str] = []
        self.should_close = False

    def poll(self) -> list[str]:
        return self.batches.pop(0) if self.batches else ["q"]

    def show(self, image: np.ndarray) -> None:
        self.shown.append(image)

    def set_title(self, title: str) -> None:
        self.titles.append(title)


@pytest.mark.gl
def test_loop_renders_switches_modality_and_camera(gl_context) -> None:
    from phav.viewer.command import _loop
    from phav.viewer.session import Session, camera_cycle

    spec = VideoSpec(action="Walk", frames=3, width=48, height=32, seed=2)
    session = Session(spec, "preview", MODALITIES)
    try:
        cycle = camera_cycle(spec)
        player = Player(session.load(cycle[0]), spec.fps, cameras=cycle, paused=True)
        window = FakeWindow([[], ["right"], ["3"], ["o"], ["c"], ["6"]])
        _loop(window, session, player, clock=lambda: 0.0)
        assert len(window.shown) == 6  # every key changed the picture
        assert session.take.num_frames == 3 and len(session.frames) == 2  # rendered up to frame 2 only
        assert window.shown[2].shape == (32, 48, 3) and (window.shown[2][..., 0] == window.shown[2][..., 1]).all()
        assert not (window.shown[3] == window.shown[2]).all()  # joints and boxes drawn
        assert "Kite" in window.titles[0] and "CloseUp" in window.titles[-1] and "frame 2/3" in window.titles[1]
        session.load(cycle[0])  # the first camera again: the same pictures
        assert (session.image(0, "rgb", False) == window.shown[0]).all()
        # the overlay's joints are the written video's: visibility tested on the frame's maps
        assert session.annotation(1)["visibility_maps"] == ["depth", "instance", "semantic"]
    finally:
        session.close()
    assert session.renderer.closed


@pytest.mark.gl
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run (apt-get install xvfb)")
def test_window_shows_the_frame_exactly_under_xvfb(tmp_path) -> None:
    script = tmp_path / "show.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        from phav.viewer.window import Window
        window = Window(6, 4, scale=2)
        image = np.arange(6 * 4 * 3, dtype=np.uint8).reshape(4, 6, 3) * 3
        window.show(image)
        window.activate()
        shot = np.frombuffer(window.ctx.screen.read(components=3, alignment=1), np.uint8).reshape(8, 12, 3)[::-1]
        assert (shot[::2, ::2] == image).all() and (shot[1::2, 1::2] == image).all()
        window.close()
        print("shown")
    """))
    result = subprocess.run(["xvfb-run", "-a", sys.executable, str(script)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "shown" in result.stdout, result.stderr

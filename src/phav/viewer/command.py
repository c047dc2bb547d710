"""``phav-render view``: play one scene live in a window. Registered into the ``phav-render`` group
when :mod:`phav.cli` imports this module."""

from __future__ import annotations

import os
import time
from typing import Any, Callable

import click

from phav.cli import cli, spec_from_options, video_options
from phav.viewer.player import KEYS, SOURCE_MODALITY, Player

#: Seconds between event polls while paused.
_IDLE = 1.0 / 60.0


def key_help() -> str:
    """One line per key binding."""
    seen: dict[str, list[str]] = {}
    for key, (_, text) in KEYS.items():
        seen.setdefault(text, []).append(key)
    return "\n".join(f"  {'/'.join(keys):<12} {text}" for text, keys in seen.items())


def run_viewer(spec: Any, quality: str, modalities: tuple[str, ...], scale: int) -> None:
    """Open the window and play ``spec`` until the window closes or ``q`` is pressed.

    Raises:
        NoDisplayError: no window can be opened (checked before any work).
        SpecError, SimulationError: the scene cannot be built or simulated.
    """
    from phav.viewer.window import Window, check_display

    check_display()
    # the renderer's context must be a GLFW one too: EGL and GLX contexts cannot take turns on a thread
    os.environ["PHAV_GL"] = "glfw"
    import glfw

    from phav.viewer.session import Session, camera_cycle

    holder: dict[str, Any] = {}

    def activate_renderer() -> None:
        glfw.make_context_current(holder["renderer_window"])

    window = None
    session = None
    try:
        from phav.render.context import get_context

        get_context()
        holder["renderer_window"] = glfw.get_current_context()
        session = Session(spec, quality, modalities, activate=activate_renderer)
        window = Window(spec.width, spec.height, scale, title="phav: simulating...")
        viewer_modalities = tuple(v for v, m in SOURCE_MODALITY.items() if m in modalities)
        cameras = camera_cycle(spec)
        player = Player(session.load(cameras[0]), spec.fps, modalities=viewer_modalities, cameras=cameras)
        _loop(window, session, player, glfw.get_time)
    finally:
        if session is not None:
            session.close()
        if window is not None:
            window.close()


def _title(spec: Any, player: Player) -> str:
    state = "paused" if player.paused else "playing"
    overlay = " +joints/boxes" if player.overlay else ""
    return (f"phav: {spec.action} {spec.environment.value} {player.cameras[player.camera]} | {player.modality}"
            f"{overlay} | frame {player.frame + 1}/{player.num_frames} {state}")


def _loop(window: Any, session: Any, player: Player, clock: Callable[[], float]) -> None:
    shown: tuple[Any, ...] | None = None
    last = clock()
    while not window.should_close and not player.quit_requested:
        for key in window.poll():
            player.press(key)
        if player.camera_changed:
            window.set_title(f"phav: simulating camera {player.cameras[player.camera]}...")
            player.new_take(session.load(player.cameras[player.camera]))
            shown, last = None, clock()
        now = clock()
        player.advance(now - last)
        last = now
        state = (id(session.take), player.frame, player.modality, player.overlay, player.paused)
        if state != shown:
            window.show(session.image(player.frame, player.modality, player.overlay))
            window.set_title(_title(session.spec, player))
            shown = state
        else:
            time.sleep(_IDLE)


VIEW_HELP = ("Play one scene live in a window (the same spec options as `video`).\n\n\b\nKeys:\n" + key_help())


@cli.command(help=VIEW_HELP)
@click.option("--action", required=True, help="Action class; `phav-render list actions` shows them.")
@click.option("--clip", default="", help="Motion clip of the action (default: chosen from the seed).")
@video_options()
@click.option("--seed", type=int, default=0, show_default=True, help="The video's seed.")
@click.option("--quality", type=click.Choice(["preview", "phav", "high"]), default="preview", show_default=True,
              help="Render preset (preview is the fastest).")
@click.option("--scale", type=click.IntRange(1, 8), default=2, show_default=True,
              help="Window pixels per image pixel.")
def view(action: str, clip: str, actor: str, environment: str, day_phase: str, weather: str, camera: str | None,
         variation: str, frames: int | None, seconds: float | None, fps: float, size: str, seed: int,
         batch: int, modalities: str, quality: str, scale: int) -> None:
    """Play one scene live in a window (the command's help text is :data:`VIEW_HELP`)."""
    from phav.viewer.window import NoDisplayError

    spec, chosen = spec_from_options(action, clip, actor, environment, day_phase, weather, camera, variation,
                                     frames, seconds, fps, size, seed, batch, modalities)
    try:
        run_viewer(spec, quality, chosen, scale)
    except NoDisplayError as exc:
        raise click.ClickException(str(exc)) from None

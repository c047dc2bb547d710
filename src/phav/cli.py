"""``phav-render``: the command line. Thin: it parses options and calls the library."""

from __future__ import annotations

import math
import re
import signal
import sys
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any, Callable

import click

from phav.actions import action_names, get_action
from phav.body.presets import get_preset, preset_names
from phav.errors import PhavError, PhavWarning, Setting, worded
from phav.frames import MODALITIES, parse_modalities
from phav.render.shaders import ShaderError
from phav.spec import MAX_FRAMES, DayPhase, Environment, Variation, VideoSpec, Weather
from phav.worlds.cameras import RIGS, default_camera
from phav.worlds.environments import ENVIRONMENTS

#: Values the options accept so far (later layers add more).
DAY_PHASES = tuple(d.value for d in DayPhase)
WEATHERS = tuple(w.value for w in Weather)
VARIATIONS = tuple(v.value for v in Variation)
#: Actor presets (``list actors`` prints these); ``--actor`` also accepts the aliases (``Model_Default``).
ACTORS = tuple(preset_names())
ACTOR_CHOICES = tuple(preset_names(aliases=True))

_SIZE = re.compile(r"^\s*(\d+)\s*[xX]\s*(\d+)\s*$")


def option_wording(setting: Setting) -> str:
    """``use --frames 84``, ``use --camera Indoor``: an error's advice (:class:`~phav.errors.Setting`)
    as this command line's option."""
    value = setting.plain_value
    shown = f"{value:g}" if isinstance(value, float) else value
    return f"use --{setting.field.replace('_', '-')} {shown}"


def parse_size(text: str, param_hint: str = "--size") -> tuple[int, int]:
    """``"340x256"`` -> ``(340, 256)``. Raises ``click.BadParameter`` with the expected form, naming
    the option ``param_hint``."""
    match = _SIZE.match(text)
    if not match:
        raise click.BadParameter(f"{text!r} is malformed; use WxH, e.g. 340x256", param_hint=param_hint)
    return int(match.group(1)), int(match.group(2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="phav")
@click.option("--plugin", "plugins", multiple=True, metavar="MODULE",
              help="Import MODULE first: it registers actions and environments (repeatable; also "
                   "PHAV_PLUGINS=mod1,mod2 and the 'phav.plugins' entry point group).")
def cli(plugins: tuple[str, ...] = ()) -> None:
    """Generate synthetic human action videos with exact ground truth (PHAV layout)."""
    from phav.plugins import load_plugins, refresh_cli_choices

    load_plugins(plugins)
    refresh_cli_choices(cli)


def video_options(sampled: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options of ``video`` that ``dataset`` shares (spec variables, length, fps, size, batch, modalities).

    With ``sampled=True`` the spec variables default to ``None``: sampled per video unless fixed.
    """
    def default(value: str) -> str | None:
        return None if sampled else value

    note = " [default: sampled]" if sampled else ""
    options = [
        click.option("--actor", type=click.Choice(ACTOR_CHOICES), default=default("Model_Default"), show_default=not sampled,
                     help="Human model." + note),
        click.option("--environment", type=click.Choice([e.value for e in ENVIRONMENTS]), default=default("Plain"),
                     show_default=not sampled, help=note.strip() or None),
        click.option("--day-phase", type=click.Choice(DAY_PHASES), default=default("Day"), show_default=not sampled,
                     help=note.strip() or None),
        click.option("--weather", type=click.Choice(WEATHERS), default=default("Clear"), show_default=not sampled,
                     help=note.strip() or None),
        click.option("--camera", type=click.Choice([k.value for k in RIGS]), default=None,
                     help=note.strip() or "[default: Indoor in House (PHAV's rule), Kite elsewhere]"),
        click.option("--variation", type=click.Choice(VARIATIONS), default=default("n"), show_default=not sampled,
                     help="Motion variation: n none, w muscle weakening, p perturbation (pushes), b blending with a "
                          "second motion, o objects (props thrown at or placed in the path)." + note),
        click.option("--frames", type=int, default=None,
                     help="Number of frames [default: as many as each class's action needs, at least 60]." if sampled
                     else "Number of frames [default: 60]."),
        click.option("--seconds", type=float, default=None, help="Length in seconds (instead of --frames)."),
        click.option("--fps", type=float, default=30.0, show_default=True, help="Frames per second."),
        click.option("--size", default="340x256", show_default=True, help="Output size WxH in pixels."),
        click.option("--batch", type=int, default=0, show_default=True, help="Batch number (folder prefix bNNNN)."),
        click.option("--modalities", default="all", show_default=True,
                     help=f"Comma-separated subset of {','.join(MODALITIES)}; annotations.json and params.json are always written."),
    ]

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def frames_from_options(frames: int | None, seconds: float | None, fps: float) -> int:
    """The frame count from ``--frames`` or ``--seconds`` (default 60). Raises click errors on bad input."""
    if frames is not None and seconds is not None:
        raise click.UsageError("give either --frames or --seconds, not both")
    if seconds is not None:
        if not (seconds > 0 and math.isfinite(seconds)):
            raise click.BadParameter(f"must be a positive number of seconds, got {seconds:g}", param_hint="--seconds")
        if not (fps > 0 and math.isfinite(fps)):
            raise click.BadParameter(f"must be a positive number, got {fps:g}", param_hint="--fps")
        if seconds * fps > MAX_FRAMES:
            raise click.BadParameter(f"{seconds:g} s at {fps:g} fps is more than {MAX_FRAMES} frames",
                                     param_hint="--seconds")
        frames = max(1, round(seconds * fps))
    if frames is None:
        frames = 60
    if frames < 1:
        raise click.BadParameter(f"must be at least 1, got {frames}", param_hint="--frames")
    return frames


def spec_from_options(action: str, clip: str, actor: str, environment: str, day_phase: str, weather: str,
                      camera: str | None, variation: str, frames: int | None, seconds: float | None, fps: float,
                      size: str, seed: int, batch: int, modalities: str) -> tuple[VideoSpec, tuple[str, ...]]:
    """The validated spec and the chosen modalities from the options of :func:`video_options`
    (``video`` and ``view`` share them); bad values, and combinations the action does not allow
    (:func:`phav.scenario.check_spec`), end the command with a one-line usage error (exit 2)."""
    from phav.scenario import check_spec

    frames = frames_from_options(frames, seconds, fps)
    width, height = parse_size(size)
    try:
        camera = camera or default_camera(Environment.parse(environment)).value
        get_action(action)
        chosen = parse_modalities(modalities)
        spec = VideoSpec(
            action=action, clip=clip, actor=actor, environment=environment, day_phase=day_phase,
            weather=weather, camera=camera, variation=variation, frames=frames, fps=fps,
            width=width, height=height, seed=seed, batch=batch,
        ).validate()
        check_spec(spec)
    except ValueError as exc:
        raise click.UsageError(worded(exc, option_wording)) from None
    return spec, chosen


@cli.command()
@click.option("--action", required=True, help="Action class; `phav-render list actions` shows them.")
@click.option("--clip", default="", help="Motion clip of the action (default: chosen from the seed).")
@video_options()
@click.option("--seed", type=int, default=0, show_default=True, help="The video's seed.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Output root folder.")
@click.option("--overwrite", is_flag=True, help="Replace the video folder if it exists.")
@click.option("--save-take", is_flag=True, help="Also write take.npz (the simulation, re-renderable).")
@click.option("--quality", type=click.Choice(["preview", "phav", "high"]), default="phav", show_default=True,
              help="Render preset: preview (no SSAA, no post effects), phav (all effects), high.")
def video(action: str, clip: str, actor: str, environment: str, day_phase: str, weather: str,
          camera: str, variation: str, frames: int | None, seconds: float | None, fps: float,
          size: str, seed: int, batch: int, modalities: str, out: Path, overwrite: bool,
          save_take: bool, quality: str) -> None:
    """Render one video into OUT/<Action>/<video-name>/.

    A video shorter than its action needs is made with a warning: its action check refuses it when
    the take does not show the action."""
    from phav.io.layout import video_dir
    from phav.pipeline import check_output, generate_video
    from phav.scenario import check_spec, short_of_action

    spec, chosen = spec_from_options(action, clip, actor, environment, day_phase, weather, camera, variation,
                                     frames, seconds, fps, size, seed, batch, modalities)
    recipe, resolved_clip = check_spec(spec)
    check_output(out, video_dir(out, spec.action, spec.folder_name(resolved_clip)), overwrite)  # before the warning
    needed = short_of_action(spec, recipe)
    if needed is not None:
        click.echo(f"warning: {spec.frames} frames are shorter than {spec.action} needs ({recipe.duration:g} s, "
                   f"{needed} frames at {spec.fps:g} fps); if the take does not show the action, its check refuses "
                   f"the video: give --frames {needed} or more", err=True)
    result = generate_video(spec, out, modalities=chosen, overwrite=overwrite, save_take=save_take,
                            quality=quality)
    click.echo(str(result.path))


@cli.command(name="list")
@click.argument("what", type=click.Choice(["actions", "environments", "day-phases", "weathers", "cameras", "actors",
                                          "modalities"]))
def list_(what: str) -> None:
    """List the registered actions, environments, day phases, weathers, cameras, actors or modalities.

    Actions come one per line, tab-separated: name, tags, the motion variations it declares (PHAV's
    letters, e.g. nwpbo), the environments it excludes (- for none), description.
    """
    if what == "actions":
        for name in action_names():
            recipe = get_action(name)
            letters = "".join(v for v in VARIATIONS if v in recipe.variations)
            excluded = ",".join(sorted(recipe.excluded_environments)) or "-"
            click.echo(f"{name}\t{','.join(sorted(recipe.tags))}\t{letters}\t{excluded}\t{recipe.description}")
    elif what == "environments":
        click.echo("\n".join(e.value for e in ENVIRONMENTS))
    elif what == "day-phases":
        click.echo("\n".join(DAY_PHASES))
    elif what == "weathers":
        click.echo("\n".join(WEATHERS))
    elif what == "cameras":
        click.echo("\n".join(k.value for k in RIGS))
    elif what == "actors":
        for name in ACTORS:
            click.echo(f"{name}\t{get_preset(name).description}")
    else:
        click.echo("\n".join(MODALITIES))


#: Signals that end a run as Ctrl-C does, with exit status 128 + the signal: SIGTERM (``kill``,
#: ``timeout``, a cluster's scheduler) and SIGHUP (the terminal or ssh session closed).
ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(SystemExit):
    """One of :data:`ENDING_SIGNALS` turned into an exit that unwinds: the video being written is
    aborted as on Ctrl-C, and no hidden partial folder is left behind."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(128 + signum)
        self.signal_name = signal.Signals(signum).name


def _raise_terminated(signum: int, frame: object) -> None:
    for ending in ENDING_SIGNALS:  # a second signal (a group's, then the parent's) must not cut the clean-up short
        signal.signal(ending, signal.SIG_IGN)
    raise Terminated(signum)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the group and turns every user error into one line and a non-zero exit.
    While it runs, phav's warnings (:class:`~phav.errors.PhavWarning`) show as one ``warning:`` line
    each, and, in the main thread, SIGTERM and SIGHUP (where their action is the default) raise
    :class:`Terminated` (`serve` gives the signal to uvicorn, which installs its own handler)."""
    in_main = threading.current_thread() is threading.main_thread()
    caught = [signum for signum in ENDING_SIGNALS if in_main and signal.getsignal(signum) == signal.SIG_DFL]
    for signum in caught:
        signal.signal(signum, _raise_terminated)
    python_show_warning = warnings.showwarning

    def show_warning(message: Warning | str, category: type[Warning], *where: Any, **more: Any) -> None:
        if issubclass(category, PhavWarning):
            click.echo(f"warning: {message}", err=True)
        else:
            python_show_warning(message, category, *where, **more)

    warnings.showwarning = show_warning
    try:
        _run_cli(argv)
    finally:
        warnings.showwarning = python_show_warning
        for signum in caught:
            signal.signal(signum, signal.SIG_DFL)


def _run_cli(argv: list[str] | None) -> None:
    from phav.plugins import load_plugins

    try:
        # PHAV_PLUGINS before any option, even --help: a plugin that failed at `import phav` is reported here
        load_plugins(entry_points=False)
        code = cli.main(args=argv, prog_name="phav-render", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("phav-render: aborted", err=True)
        sys.exit(130)
    except Terminated as exc:
        click.echo(f"phav-render: terminated ({exc.signal_name})", err=True)
        raise
    except click.ClickException as exc:
        click.echo(f"phav-render: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except ShaderError as exc:  # a driver or phav bug: one line here, the compiler's whole log in a file
        click.echo(f"phav-render: error: this GL driver cannot build phav's shaders ({exc.summary()}); "
                   f"{_save_shader_log(exc)}; please report it with the driver's name", err=True)
        sys.exit(1)
    except (PhavError, OSError) as exc:
        click.echo(f"phav-render: error: {worded(exc, option_wording)}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def _save_shader_log(exc: ShaderError) -> str:
    """Write the error's whole text into a new file in the system's temporary folder; returns a
    clause that says where it is (or why it could not be written)."""
    try:
        with tempfile.NamedTemporaryFile("w", prefix="phav-shader-error-", suffix=".log", delete=False) as f:
            f.write(str(exc) + "\n")
        return f"the compiler's whole log is in {f.name}"
    except OSError as write_error:
        return f"the compiler's log could not be saved ({write_error})"


from phav import cli_dataset  # noqa: E402,F401  (registers `sample` and `dataset`)
from phav.server import command as _serve_command  # noqa: E402,F401  (registers `serve`)
from phav.viewer import command as _view_command  # noqa: E402,F401  (registers `view`)

if __name__ == "__main__":  # `python -m phav.cli`: the commands above registered on the module phav.cli,
    from phav.cli import main as _main  # not on this __main__ copy of it

    _main()

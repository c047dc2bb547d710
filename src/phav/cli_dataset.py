"""``phav-render sample`` and ``phav-render dataset``: the generative model and many videos.

Registered into the ``phav-render`` group by :mod:`phav.cli`. Thin: options are parsed here and the
work is done by :mod:`phav.sampling` and :mod:`phav.dataset`.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from phav.cli import cli, frames_from_options, parse_size, video_options
from phav.dataset.plan import MAX_VIDEOS_PER_CLASS
from phav.errors import SpecError
from phav.frames import parse_modalities
from phav.render.settings import QUALITIES
from phav.spec import VideoSpec

_SPEC_VARIABLES = ("actor", "environment", "day_phase", "weather", "camera", "variation")
#: Exit status of ``dataset`` when the run ends with planned videos failed (this run's, or an earlier
#: run's kept): the dataset is not complete, yet nothing went wrong with the command (1: an error,
#: 2: a usage error, 130/143: interrupted).
EXIT_VIDEOS_FAILED = 3


def _model(config: Path | None, seed_free: dict, fixed: dict) -> "SpecModel":  # noqa: F821
    """The sampling model from ``--config``, the fixed spec variables and the base spec fields."""
    from phav.sampling import ConfigError, LengthConfig, SamplingConfig, SpecModel

    frames = frames_from_options(seed_free["frames"], seed_free["seconds"], seed_free["fps"])
    width, height = parse_size(seed_free["size"])
    try:
        base = VideoSpec(frames=frames, fps=seed_free["fps"], width=width, height=height,
                         batch=seed_free["batch"]).validate()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:  # a config or a fixed value the model cannot use is bad input, as a bad option is (exit 2)
        sampling = SamplingConfig.from_toml(config) if config is not None else SamplingConfig()
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    length_given = seed_free["frames"] is not None or seed_free["seconds"] is not None
    if length_given and sampling.length != LengthConfig():
        option = "--frames" if seed_free["frames"] is not None else "--seconds"
        raise click.UsageError(f"{option} and the [length] table of --config {config} both set the length; "
                               f"leave out {option} or the [length] table")
    if not length_given and sampling.length == LengthConfig():
        # No length asked for: each class gets the length it needs (at least the default 60 frames).
        sampling = dataclasses.replace(sampling, length=LengthConfig(distribution="action"))
    try:
        return SpecModel(sampling, base=base, fixed={k: v for k, v in fixed.items() if v is not None})
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def _split_options(kwargs: dict) -> tuple[dict, dict]:
    fixed = {k: kwargs.pop(k) for k in _SPEC_VARIABLES}
    base = {k: kwargs.pop(k) for k in ("frames", "seconds", "fps", "size", "batch")}
    return fixed, base


def _warn_short(model: "SpecModel", classes: list[str] | None) -> None:  # noqa: F821
    """Warn, before any work, about the classes whose videos are shorter than their action needs."""
    short = model.too_short(model.classes(classes))
    if short:
        listed = ", ".join(f"{name} {n}" for name, n in sorted(short.items(), key=lambda kv: (-kv[1], kv[0])))
        what = "a class needs" if len(short) == 1 else f"{len(short)} classes need"
        click.echo(f"warning: videos of at most {model.longest_frames()} frames are shorter than {what} "
                   f"at {model.base.fps:g} fps ({listed} frames); their videos may fail their action checks "
                   f"and be retried: give --frames {max(short.values())} or more, or leave out --frames and --seconds "
                   "(each class then gets its own length)", err=True)


def _classes(text: str | None) -> list[str] | None:
    """``--classes``: the names, or ``None`` (every class) when it is not given."""
    if text is None:
        return None
    names = [c.strip() for c in text.split(",") if c.strip()]
    if not names:
        raise click.BadParameter(f"{text!r} names no class; give comma-separated classes, e.g. Walk,Run, or leave "
                                 "--classes out for every class", param_hint="--classes")
    return names


def _given(ctx: click.Context, name: str) -> bool:
    """Whether option ``name`` was given on the command line (not its default)."""
    return ctx.get_parameter_source(name) not in (None, click.core.ParameterSource.DEFAULT)


@cli.command()
@click.option("-n", "count", type=click.IntRange(min=1), default=10, show_default=True, help="Number of specs.")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Sampling config (TOML): distributions and constraints; see `phav.sampling`.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Global seed.")
@click.option("--classes", default=None, help="Comma-separated classes (default: every available one).")
@click.option("--no-balance", is_flag=True, help="Draw the class from its distribution instead of balancing.")
@click.option("--enumerate", "enumerate_", is_flag=True,
              help="Print every discrete combination with its probability (of the whole model) instead of "
                   "samples; with --classes only those classes' combinations. Takes no -n or --seed.")
@video_options(sampled=True)
@click.pass_context
def sample(ctx: click.Context, count: int, config: Path | None, seed: int, classes: str | None, no_balance: bool,
           enumerate_: bool, **kwargs: object) -> None:
    """Print specs sampled from the generative model as JSON lines."""
    fixed, base = _split_options(kwargs)
    if _given(ctx, "modalities"):  # kept so that older command lines still run; specs carry no modalities
        try:
            parse_modalities(str(kwargs["modalities"]))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--modalities") from None
        click.echo("warning: sample ignores --modalities (specs carry no modalities; video and dataset take it): "
                   "leave it out", err=True)
    names = _classes(classes)
    model = _model(config, base, fixed)
    if enumerate_:
        ignored = [option for name, option in (("count", "-n"), ("seed", "--seed")) if _given(ctx, name)]
        if ignored:
            raise click.UsageError(f"--enumerate prints every combination, so it takes no {' or '.join(ignored)}; "
                                   f"leave out {' and '.join(ignored)} or --enumerate")
        wanted = set(model.classes(names)) if names else None
        for values, p in model.enumerate():
            if wanted is None or values["action"] in wanted:
                click.echo(json.dumps({"p": p, **values}, sort_keys=True))
        return
    if no_balance:
        if names:
            raise click.UsageError("--classes balances over the given classes; drop --no-balance or --classes")
        specs = model.sample_free(count, seed)
    else:
        specs = model.sample_balanced(count, seed, names)
    for spec in specs:
        click.echo(spec.to_json())


for _param in sample.params:  # sample takes --modalities only so that older command lines still run
    if _param.name == "modalities":
        _param.hidden = True


@cli.command()
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Dataset root folder.")
@click.option("--videos-per-class", "per_class", type=click.IntRange(min=1, max=MAX_VIDEOS_PER_CLASS),
              required=True, help=f"Videos planned per class (at most {MAX_VIDEOS_PER_CLASS}).")
@click.option("--classes", default=None, help="Comma-separated classes (default: every available one).")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Sampling config (TOML); see `phav.sampling`.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Global seed: every video's seed is derived from it by hashing.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes (one GL context each), or CPUs of a local Ray instance.")
@click.option("--shard", default=None, help="Make only shard i/N of the plan (0 <= i < N).")
@click.option("--backend", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--gpus-per-task", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="GPUs each Ray task declares (--backend ray only; Ray gives each task its GPU, local processes "
                   "take theirs from PHAV_EGL_DEVICE or CUDA_VISIBLE_DEVICES).")
@click.option("--attempts", type=click.IntRange(min=1), default=3, show_default=True,
              help="Attempts per video (retries get new derived seeds) before it is recorded as failed.")
@click.option("--retry-failed", is_flag=True, help="Make again the videos an earlier run recorded as failed.")
@click.option("--export", default="", help="Comma-separated exports after the run: "
              "lists (mmaction2 + UCF101 split files), posec3d, coco, mp4, tsn-flow, flo, kitti, or all.")
@click.option("--split", default="16,2,2", show_default=True,
              help="Actor presets per split train,val,test for the lists, posec3d and coco.")
@click.option("--coco-frame-step", type=click.IntRange(min=1), default=1, show_default=True,
              help="The coco export takes every this many frames of each video, from the first.")
@click.option("--save-take", is_flag=True, help="Also write take.npz into every video folder.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--dry-run", is_flag=True, help="Print what the run would make (videos, frames, what is done "
              "already, disk, new classes) and exit without writing anything.")
@video_options(sampled=True)
@click.option("--quality", type=click.Choice(list(QUALITIES)), default="phav", show_default=True,
              help="Render preset of every video: preview (no SSAA, no post effects), phav (all effects), high.")
@click.pass_context
def dataset(ctx: click.Context, out: Path, per_class: int, classes: str | None, config: Path | None, seed: int,
            workers: int, shard: str | None, backend: str, gpus_per_task: float, attempts: int, retry_failed: bool,
            export: str, split: str, coco_frame_step: int, save_take: bool, no_progress: bool, dry_run: bool,
            quality: str, **kwargs: object) -> None:
    """Plan and make a dataset in OUT (resumable: rerun the same command to finish it).

    Exit status: 0 when every planned video is made; 3 when the run ends with planned videos failed
    (this run's, or an earlier run's kept: --retry-failed makes them again); 1 on an error, 2 on a
    usage error, 130/143 when interrupted (a rerun continues).
    """
    from phav.dataset import parse_shard, run_dataset
    from phav.dataset.package import (SPLIT_EXPORTS, check_exports, check_split, package_dataset, parse_exports,
                                      parse_split)

    if backend == "local" and gpus_per_task:
        raise click.UsageError(f"--gpus-per-task {gpus_per_task:g} is for --backend ray: local processes render on "
                               "the GPU PHAV_EGL_DEVICE names (a list deals several out); leave out --gpus-per-task "
                               "or add --backend ray")
    fixed, base = _split_options(kwargs)
    try:
        modalities = parse_modalities(str(kwargs["modalities"]))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--modalities") from None
    exports = parse_exports(export)
    counts = parse_split(split)
    shard_of_plan = parse_shard(shard)
    names = _classes(classes)
    model = _model(config, base, fixed)
    check_exports(exports, modalities, (model.base.width, model.base.height))
    check_split(exports, counts, seed)
    _warn_short(model, names)
    if dry_run:
        from phav.dataset.status import plan_status

        status = plan_status(out, model, per_class, seed=seed, classes=names, shard=shard_of_plan,
                             modalities=modalities, max_attempts=attempts, retry_failed=retry_failed,
                             quality=quality)
        click.echo(status.text(workers))
        if exports:
            click.echo(f"exports after a finished run: {', '.join(exports)}")
        return
    summary = run_dataset(
        out, model, per_class, seed=seed, classes=names, shard=shard_of_plan, workers=workers,
        backend=backend, modalities=modalities, max_attempts=attempts, retry_failed=retry_failed,
        save_take=save_take, progress=not no_progress, num_gpus=gpus_per_task, quality=quality,
    )
    click.echo(summary.text(), err=True)
    if exports:
        if summary.pending:
            raise SpecError("exports need a finished dataset; rerun to finish it first")
        # per-video exports first: the lists name the MP4s when they exist
        for name in sorted(exports, key=lambda e: e in SPLIT_EXPORTS):
            written = package_dataset(out, (name,), split=counts, seed=seed, shard=shard_of_plan,
                                      coco_frame_step=coco_frame_step, workers=workers if backend == "local" else 1)
            for path in written:
                click.echo(f"{name}: wrote {path}", err=True)
    if summary.failed_in_all:
        click.echo(f"phav-render: {summary.failed_in_all} of {summary.planned} planned videos failed; rerun the same "
                   "command with --retry-failed to try them again", err=True)
        ctx.exit(EXIT_VIDEOS_FAILED)


@cli.command()
@click.argument("root", type=click.Path(path_type=Path, file_okay=False))
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes that read the videos.")
@click.option("--remove-broken", is_flag=True,
              help="Remove the broken videos' folders: the dataset command, run again, makes them again.")
@click.pass_context
def check(ctx: click.Context, root: Path, workers: int, remove_broken: bool) -> None:
    """Check that the finished videos of the dataset in ROOT are complete on disk: metadata readable,
    every frame file of every written modality present and not cut short. Exits 1 if any is broken, or
    if a manifest row names a folder that is not <Action>/<video folder> inside ROOT (never removed)."""
    from phav.dataset.check import check_dataset
    from phav.dataset.check import remove_broken as remove

    result = check_dataset(root, workers)
    click.echo(result.text())
    if result.broken and remove_broken:
        removed = remove(result)
        click.echo(f"removed {len(removed)} broken video folders; run the dataset command again to make them")
    if result.broken or result.bad_rows:
        ctx.exit(1)

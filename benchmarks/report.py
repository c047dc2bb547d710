"""Run benchmark steps one after the other and keep the JSON report current after each.

A step is a named callable returning its records. :func:`run_steps` runs the steps in order and,
after every step (and when interrupted), rewrites the report atomically (a temporary file in the
same folder, then ``os.replace``), so a run killed by a time limit leaves a valid JSON file with
every figure measured so far. The report says how far the run got:

* ``complete``: every planned step ran (measured, skipped or failed);
* ``steps_done``: the steps that ran, in order; ``not_reached``: the planned steps that did not run;
* ``failed``: ``{"step", "error"}`` per step that raised (the run goes on with the next step);
* ``skipped``: ``"step: reason"`` per step that cannot run here (:class:`SkipCase`);
* ``interrupted``: ``None``, or what stopped the run (``SIGTERM``, ``SIGINT``) and in which step.

Records whose unit is a rate (``.../s``) go to ``results``, the others (skin build seconds,
per-pass milliseconds) to ``render_passes``. Every record gets ``gl_renderer``: its
``settings["gl_renderer"]`` where the case rendered in other processes, else the GL renderer of this
process for cases that render, ``None`` for those that do not.
"""

from __future__ import annotations

import dataclasses
import datetime
import fnmatch
import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable

from benchmarks.timing import machine


class SkipCase(Exception):
    """Raised by a step that cannot run on this machine; the message says why."""


class Interrupted(BaseException):
    """A termination signal arrived during a step."""


@dataclasses.dataclass(frozen=True)
class Step:
    """One named unit of the run: ``run()`` returns its records. ``renders``: its records are
    rendered in this process (or say their renderer in ``settings["gl_renderer"]``)."""

    name: str
    run: Callable[[], list[dict]]
    renders: bool = True


def select(steps: list[Step], only: str | None, skip: str | None) -> list[Step]:
    """The steps whose names match one of the comma-separated ``fnmatch`` patterns of ``only``
    (all when ``None``) and none of ``skip``'s. Raises ``ValueError`` for an ``only`` pattern that
    matches no step (a typo would otherwise run nothing); a ``skip`` pattern may match none (the
    step may not exist in this run, e.g. ``presets_high`` with ``--quick``)."""
    names = [s.name for s in steps]

    def patterns(text: str | None, strict: bool) -> list[str]:
        out = [p.strip() for p in (text or "").split(",") if p.strip()]
        for p in out:
            if strict and not fnmatch.filter(names, p):
                raise ValueError(f"{p!r} matches no benchmark step; steps: {', '.join(names)}")
        return out

    keep, drop = patterns(only, True), patterns(skip, False)
    return [s for s in steps if (not keep or any(fnmatch.fnmatchcase(s.name, p) for p in keep))
            and not any(fnmatch.fnmatchcase(s.name, p) for p in drop)]


def header(prog: str, argv: list[str] | None, gl_renderer: str, **extra: Any) -> dict[str, Any]:
    """The facts every report starts with: ``date``, ``command`` (``prog`` and its arguments:
    ``argv``, or this process's when ``None``), ``gl_renderer``, ``machine``
    (:func:`benchmarks.timing.machine`), then ``extra``."""
    args = argv if argv is not None else sys.argv[1:]
    return {"date": datetime.date.today().isoformat(), "command": " ".join([prog, *args]),
            "gl_renderer": gl_renderer, "machine": machine(), **extra}


class Report:
    """The report of one run, written to ``path`` (if any) after every change."""

    def __init__(self, path: Path | None, header: dict[str, Any], planned: Iterable[str],
                 derive: Callable[[list[dict]], None] | None = None) -> None:
        self.path = path
        self.derive = derive
        self.data: dict[str, Any] = {
            **header, "complete": False, "steps_done": [], "not_reached": list(planned), "failed": [],
            "skipped": [], "interrupted": None, "results": [], "render_passes": [],
        }

    def add(self, step: str, records: list[dict], gl_renderer: str | None) -> None:
        for r in records:
            r.setdefault("gl_renderer", r.get("settings", {}).get("gl_renderer") or gl_renderer)
            (self.data["results"] if r.get("unit", "").endswith("/s") else self.data["render_passes"]).append(r)
        self._ran(step)

    def skip(self, step: str, reason: str) -> None:
        self.data["skipped"].append(f"{step}: {reason}")
        self._ran(step)

    def fail(self, step: str, error: str) -> None:
        self.data["failed"].append({"step": step, "error": error})
        self._ran(step)

    def interrupt(self, step: str, why: str) -> None:
        self.data["interrupted"] = f"{why} during {step}"
        self.write()

    def _ran(self, step: str) -> None:
        self.data["steps_done"].append(step)
        self.data["not_reached"].remove(step)
        self.data["complete"] = not self.data["not_reached"]
        self.write()

    def write(self) -> None:
        """Write the report atomically (nothing without a path)."""
        if self.derive is not None:
            self.derive(self.data["results"])
        if self.path is not None:
            write_json(self.path, self.data)


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically: a temporary file in the same folder, then
    ``os.replace``, so a reader (or a run killed meanwhile) sees the old file or the new, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(temp, path)


def _raise_interrupted(signum: int, frame: Any) -> None:
    raise Interrupted(signal.Signals(signum).name)


def run_steps(steps: list[Step], report: Report, gl_renderer: Callable[[], str],
              on_records: Callable[[list[dict]], None] = lambda records: None) -> bool:
    """Run ``steps`` in order, recording each in ``report`` (written after each step).

    A step that raises :class:`SkipCase` is recorded as skipped, any other ``Exception`` as failed
    (with its message; the traceback goes to stderr) and the run goes on. ``SIGTERM`` and ``SIGINT``
    stop the run: the report records where, is written, and :class:`Interrupted` is raised.
    ``gl_renderer()`` gives this process's GL renderer string (called only for steps that render);
    ``on_records`` sees each step's records as they come (e.g. to print them).
    Returns whether every step ran without failing.
    """
    previous = {s: signal.signal(s, _raise_interrupted) for s in (signal.SIGTERM, signal.SIGINT)}
    name = "start"
    try:
        for step in steps:
            name = step.name
            try:
                records = step.run()
            except SkipCase as exc:
                print(f"skipped {step.name}: {exc}", flush=True)
                report.skip(step.name, str(exc))
                continue
            except Exception as exc:
                traceback.print_exc()
                report.fail(step.name, f"{type(exc).__name__}: {exc}")
                continue
            report.add(step.name, records, gl_renderer() if step.renders else None)
            on_records(records)
    except (Interrupted, KeyboardInterrupt) as exc:
        report.interrupt(name, str(exc) or "SIGINT")
        raise Interrupted(str(exc) or "SIGINT") from None
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return not report.data["failed"]

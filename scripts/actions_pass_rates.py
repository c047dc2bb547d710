"""Signature pass rates per action class: every registered class simulated for several actor
presets and seeds at its recipe's duration; prints a Markdown table (and writes it with --out).

    python scripts/actions_pass_rates.py [--seeds 11,12] [--actors Model_Man01,Model_Girl,...]
        [--out docs/action_pass_rates.md]

The default presets and seeds are those of the slow test
``tests/actions/test_actions.py::test_signature_in_at_least_90_percent_of_runs``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


from phav.actions import action_names, get_action
from phav.scenario import Scenario
from phav.spec import VideoSpec

ACTORS = ("Model_Man01", "Model_Girl", "Model_Boy", "Model_ElderlyWoman", "Model_Man02")


def pass_rate(action: str, actors: list[str], seeds: list[int]) -> tuple[int, int, list[str]]:
    """(passed, runs, reasons of the failures) for ``action``."""
    frames = max(2, get_action(action).frames_needed(30.0))
    passed, failures = 0, []
    for actor in actors:
        for seed in seeds:
            spec = VideoSpec(action=action, actor=actor, frames=frames, width=48, height=32, seed=seed)
            verdict = Scenario(spec).simulate(check_signature=False).meta["signature"]
            if verdict["ok"]:
                passed += 1
            else:
                failures.append(f"{actor} seed {seed}: {verdict['reason']}")
    return passed, len(actors) * len(seeds), failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="11,12")
    parser.add_argument("--actors", default=",".join(ACTORS))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    actors = args.actors.split(",")
    start = time.perf_counter()
    lines = ["| class | tags | passed | failures |", "|---|---|---|---|"]
    total_passed = total_runs = 0
    for name in action_names():
        passed, runs, failures = pass_rate(name, actors, seeds)
        total_passed, total_runs = total_passed + passed, total_runs + runs
        tags = ",".join(sorted(get_action(name).tags))
        lines.append(f"| {name} | {tags} | {passed}/{runs} | {'; '.join(failures)} |")
    lines.append(f"| all | | {total_passed}/{total_runs} | |")
    table = "\n".join(lines)
    note = (f"\n\n{len(actors)} presets x seeds {args.seeds}, each class at its recipe's duration, 30 FPS; "
            f"{time.perf_counter() - start:.0f} s.")
    print(table + note)
    if args.out:
        args.out.write_text(table + note + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

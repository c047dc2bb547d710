"""How many processes the README's ``pytest`` runs the tests in (pyproject's ``-n logical``, decided
by ``tests/conftest.py``'s pytest-xdist hook)."""

from __future__ import annotations

import importlib.util
import os
import types
from pathlib import Path

import pytest


def _conftest() -> types.ModuleType:
    """tests/conftest.py as a module of its own (pytest imports it under a name shared with
    tests/worlds/conftest.py)."""
    spec = importlib.util.spec_from_file_location("phav_tests_conftest", Path(__file__).parent / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _workers(args: list[str], cpus: int, monkeypatch) -> int | None:
    module = _conftest()
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)), raising=False)
    return module.pytest_xdist_auto_num_workers(types.SimpleNamespace(args=args))


@pytest.mark.parametrize("cpus, expected", [(1, 1), (2, 2), (8, 8), (64, 8)])
def test_one_process_per_cpu_and_at_most_eight(cpus, expected, monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    assert _workers([], cpus, monkeypatch) == expected
    assert _workers(["tests/render", "tests/test_cli.py"], cpus, monkeypatch) == expected


def test_single_tests_run_in_this_process(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    assert _workers(["tests/test_cli.py::test_version", "tests/test_spec.py::test_a[1]"], 16, monkeypatch) == 0
    # one single test among whole files: the files decide
    assert _workers(["tests/test_cli.py::test_version", "tests/render"], 16, monkeypatch) == 8


def test_the_environment_variable_leaves_the_count_to_pytest_xdist(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "3")
    assert _workers([], 16, monkeypatch) is None

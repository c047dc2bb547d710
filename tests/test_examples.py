"""Every script in examples/ runs, as a smoke test at a tiny size (PHAV_EXAMPLES_TINY=1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def test_the_examples_the_docs_name_are_there():
    assert {"custom_prop_and_camera.py", "user_action.py", "custom_environment.py", "training_loop.py",
            "rerender_take.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_example_runs_at_a_tiny_size(script, tmp_path):
    env = dict(os.environ, PHAV_EXAMPLES_TINY="1")
    env.pop("PHAV_PLUGINS", None)
    result = subprocess.run([sys.executable, str(EXAMPLES / script), "--out", str(tmp_path)], cwd=tmp_path,
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.strip(), f"{script} printed nothing"

"""docs/tutorial.md's plugin section: its module runs as written and registers an action and an
environment that a scene and the CLI use (in a fresh process: registrations are global)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"

USE = '''
import phav, my_actions
scene = phav.Scene("Courtyard", frames=4, size=(64, 48))
scene.add_person("Stroll", check_signature=False)
take = scene.simulate(quality="preview")
print(take.meta["scene"]["people"][0]["action"], scene.spec.environment.value)
'''


def test_the_plugin_section_is_a_module_that_registers_its_action_and_environment(tmp_path: Path):
    blocks = re.findall(r"```python\n(.*?)```", TUTORIAL.read_text(encoding="utf-8"), re.S)
    plugin = [b for b in blocks if "register_environment(" in b]
    assert len(plugin) == 1, "one plugin module is expected in the tutorial"
    (tmp_path / "my_actions.py").write_text(plugin[0], encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    env.pop("PHAV_PLUGINS", None)
    used = subprocess.run([sys.executable, "-c", USE], cwd=tmp_path, capture_output=True, text=True, env=env,
                          timeout=300)
    assert used.returncode == 0, used.stderr
    assert used.stdout.split()[:2] == ["Stroll", "Courtyard"]
    listed = subprocess.run([sys.executable, "-m", "phav.cli", "--plugin", "my_actions", "list", "environments"],
                            cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert listed.returncode == 0 and listed.stdout.split()[-1] == "Courtyard", listed.stderr

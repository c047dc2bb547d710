"""User plugins: actions and environments registered from users' code, offered by the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import phav
from phav.actions import ActionPlan, ActionRecipe, SignatureResult, action_names
from phav.motion.deepmimic import load_deepmimic
from phav.plugins import PluginError, load_plugins, register_action, register_environment

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PLUGIN = '''
from phav.plugins import register_environment
from phav.worlds.environments import build_plain

def build_yard(rng):
    scene = build_plain(rng)
    scene.params["yard"] = 1.0
    return scene

register_environment("TestYard", build_yard)
'''


def _never(take) -> SignatureResult:
    return SignatureResult(False, "never")


def test_an_action_whose_motion_references_a_missing_joint_is_refused_at_registration():
    def build(ctx):
        clip = load_deepmimic("walk", ctx.skeleton)
        clip.joint_names = list(clip.joint_names[:-1]) + ["wing"]
        return ActionPlan(clip=clip)

    recipe = ActionRecipe("BadWings", frozenset({"extra"}), ("walk",), _never, "broken", build=build)
    with pytest.raises(phav.SpecError, match="BadWings: motion .* references joints the skeleton lacks: wing"):
        register_action(recipe)
    assert "BadWings" not in action_names()


def test_a_taken_action_or_environment_name_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        register_action(ActionRecipe("Walk", frozenset({"extra"}), ("walk",), _never, "dup"))
    with pytest.raises(ValueError, match="already exists"):
        register_environment("plain", lambda rng: None)
    with pytest.raises(ValueError, match="identifier"):
        register_environment("My-Yard", lambda rng: None)


def test_a_plugin_that_cannot_be_imported_is_named():
    with pytest.raises(PluginError, match="cannot import plugin module 'no_such_phav_plugin'"):
        load_plugins(["no_such_phav_plugin"], entry_points=False, environment=False)


@pytest.mark.parametrize("module, source, target, message", [
    ("phav_test_raising_plugin", "x = 1\nraise RuntimeError('no yard today')\n", "phav_test_raising_plugin",
     r"plugin module 'phav_test_raising_plugin' failed while it was imported: RuntimeError: no yard today "
     r"\(at .*phav_test_raising_plugin.py:2\)"),
    ("phav_test_needy_plugin", "import phav_no_such_dependency\n", "phav_test_needy_plugin",
     r"plugin module 'phav_test_needy_plugin' imports 'phav_no_such_dependency', which cannot be imported "
     r".*phav_test_needy_plugin.py:1\)"),
    ("phav_test_hook_plugin", "def setup():\n    raise KeyError('yard')\n", "phav_test_hook_plugin:setup",
     r"plugin 'phav_test_hook_plugin:setup' failed: KeyError: 'yard' \(at .*phav_test_hook_plugin.py:2\)"),
])
def test_a_plugin_that_fails_is_named_with_the_exception_and_the_place(tmp_path, monkeypatch, module, source, target,
                                                                       message):
    """A plugin that raises while imported, one whose own import is missing, a hook that raises."""
    (tmp_path / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError, match=message):
        load_plugins([target], entry_points=False, environment=False)


def _run(args: list[str], tmp_path: Path, env_plugins: str | None = None) -> subprocess.CompletedProcess:
    (tmp_path / "yard_plugin.py").write_text(PLUGIN)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(EXAMPLES)]))
    env.pop("PHAV_PLUGINS", None)
    if env_plugins:
        env["PHAV_PLUGINS"] = env_plugins
    return subprocess.run([sys.executable, "-m", "phav.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_cli_offers_plugin_actions_and_environments(tmp_path):
    plugins = ["--plugin", "yard_plugin", "--plugin", "user_action"]
    envs = _run([*plugins, "list", "environments"], tmp_path)
    assert envs.returncode == 0, envs.stderr
    assert envs.stdout.split()[-1] == "TestYard"
    actions = _run([*plugins, "list", "actions"], tmp_path)
    assert "Stroll\textra" in actions.stdout
    without = _run(["list", "actions"], tmp_path)
    assert "Stroll" not in without.stdout


def test_cli_renders_a_plugin_action_in_a_plugin_environment(tmp_path):
    result = _run(["--plugin", "yard_plugin", "video", "--action", "Stroll", "--environment", "TestYard",
                   "--frames", "3", "--size", "64x48", "--quality", "preview", "--out", str(tmp_path / "out")],
                  tmp_path, env_plugins="user_action")  # PHAV_PLUGINS is read too
    assert result.returncode == 0, result.stderr
    folder = Path(result.stdout.strip())
    assert folder.parent.name == "Stroll" and "-TestYard-" in folder.name
    params = phav.io.read_params(folder / "params.json")
    assert params["meta"]["world"]["yard"] == 1.0 and params["spec"]["environment"] == "TestYard"


def test_cli_rejects_an_unknown_plugin_in_one_line(tmp_path):
    result = _run(["--plugin", "no_such_phav_plugin", "list", "actions"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "no_such_phav_plugin" in result.stderr


def test_cli_reports_a_plugin_that_raises_in_one_line(tmp_path):
    (tmp_path / "phav_test_raising_plugin.py").write_text("raise RuntimeError('no yard today')\n")
    result = _run(["--plugin", "phav_test_raising_plugin", "list", "actions"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "RuntimeError: no yard today" in result.stderr and "phav_test_raising_plugin.py:1" in result.stderr


def test_registered_environment_works_in_specs_json_and_scenes(tmp_path):
    code = f'''
import sys; sys.path[:0] = [{str(tmp_path)!r}]
import numpy as np, phav
import yard_plugin
import pickle
from phav.sampling import available_values
spec = phav.VideoSpec(environment="TestYard", frames=3, width=64, height=48)
assert phav.VideoSpec.from_json(spec.to_json()) == spec and pickle.loads(pickle.dumps(spec)) == spec
assert phav.Environment("testyard") is spec.environment and list(phav.Environment)[-1] is spec.environment
assert "TestYard" in available_values()["environment"]
scene = phav.Scene("TestYard", frames=3, size=(64, 48))
scene.add_person("Walk", check_signature=False)
take = scene.simulate()
assert take.meta["world"]["yard"] == 1.0
print("ok", spec.environment.value)
'''
    (tmp_path / "yard_plugin.py").write_text(PLUGIN)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "TestYard"]


@pytest.mark.parametrize("name", ["my-act", "..", ".hidden", "two words", "a/b", ""])
def test_an_action_name_that_cannot_name_a_class_folder_is_refused_at_registration(name):
    with pytest.raises(phav.SpecError, match="cannot register the action: action"):
        register_action(ActionRecipe(name, frozenset({"extra"}), ("walk",), _never, "bad name"))
    assert name not in action_names()


def test_a_build_hook_that_returns_a_motion_instead_of_a_plan_is_named():
    recipe = ActionRecipe("ClipNotPlan", frozenset({"extra"}), ("walk",), _never, "broken",
                          build=lambda ctx: load_deepmimic("walk", ctx.skeleton))
    with pytest.raises(PluginError, match=r"action ClipNotPlan: its build hook returned Clip, not a "
                                          r"phav\.actions\.ActionPlan"):
        register_action(recipe)
    assert "ClipNotPlan" not in action_names()

"""The generative model: structure, named distributions, constraints, enumeration, balance, config errors."""

from __future__ import annotations

import collections
import json
import re
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

from phav.cli import cli
from phav.sampling import (
    PHAV_CAMERA_WEIGHTS,
    ConfigError,
    SamplingConfig,
    SpecModel,
    available_values,
    plan_key_rng,
)
from phav.spec import VideoSpec

#: A registry with several values per variable, so the model's structure shows (the real one grows).
FAKE = {
    "action": ["Clap", "Run", "Walk"],
    "clip": {"Clap": ["clap_a", "clap_b"], "Run": ["run"], "Walk": ["walk", "walk_slow", "walk_fast"]},
    "actor": ["Model_Boy", "Model_Girl", "Model_Man01"],
    "environment": ["House", "Plain", "Urban"],
    "camera": ["Indoor", "Kite", "CloseUp", "Tripod"],
    "day_phase": ["Dawn", "Day"],
    "weather": ["Clear", "Rainy"],
    "variation": ["n", "w"],
}


def model(config: dict | None = None, **kw) -> SpecModel:
    return SpecModel(SamplingConfig.from_dict(config or {}), available=FAKE, **kw)


def test_available_values_come_from_the_registries():
    from phav.actions import action_names, get_action
    from phav.worlds.cameras import RIGS
    from phav.worlds.environments import ENVIRONMENTS

    values = available_values()
    assert values["action"] == action_names()
    assert values["clip"] == {a: list(get_action(a).clips) for a in action_names()}
    assert values["environment"] == [e.value for e in ENVIRONMENTS]
    assert values["camera"] == [k.value for k in RIGS]
    try:
        from phav.body.presets import preset_names
    except ImportError:
        assert values["actor"] == ["Model_Default"]
    else:
        assert values["actor"] == sorted(preset_names())


def test_the_default_model_samples_only_implemented_values():
    m = SpecModel()
    values = available_values()
    for spec in m.sample_balanced(20, seed=3):
        assert spec.action in values["action"] and spec.clip in values["clip"][spec.action]
        for var in ("actor", "environment", "camera", "day_phase", "weather", "variation"):
            v = getattr(spec, var)
            assert getattr(v, "value", v) in values[var]


def test_clip_depends_on_action_and_camera_on_environment():
    m = model()
    for action in FAKE["action"]:
        assert set(m.distribution("clip", action)) == set(FAKE["clip"][action])
    assert m.distribution("camera", "House") == {"Indoor": 1.0}
    outdoor = m.distribution("camera", "Plain")
    assert "Indoor" not in outdoor
    total = sum(PHAV_CAMERA_WEIGHTS[k] for k in ("Kite", "CloseUp", "Tripod"))
    assert outdoor["Kite"] == pytest.approx(PHAV_CAMERA_WEIGHTS["Kite"] / total)


def test_enumeration_sums_to_one_and_matches_sampling_frequencies():
    m = model()
    combos = list(m.enumerate())
    # per action: clips; per environment: its cameras (House: Indoor; others: 3 outdoor kinds)
    expected = (2 + 1 + 3) * (1 + 3 + 3) * 3 * 2 * 2 * 2
    assert len(combos) == expected == m.space_size()
    assert sum(p for _, p in combos) == pytest.approx(1.0)
    # marginal of the camera: enumeration vs 4000 ancestral samples
    exact = collections.defaultdict(float)
    for values, p in combos:
        exact[values["camera"]] += p
    rng = np.random.default_rng(0)
    n = 4000
    counts = collections.Counter(m.sample(rng).camera.value for _ in range(n))
    for camera, p in exact.items():
        assert abs(counts[camera] / n - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-3, camera


def test_weights_and_given_override_the_named_distributions():
    m = model({"variables": {"weather": {"weights": {"Clear": 3, "Rainy": 1}},
                             "camera": {"given": {"Plain": {"weights": {"Tripod": 1}}}}}})
    assert m.distribution("weather") == {"Clear": 0.75, "Rainy": 0.25}
    assert m.distribution("camera", "Plain") == {"Tripod": 1.0}
    assert m.distribution("camera", "House") == {"Indoor": 1.0}


def test_constraints_and_fixed_values_restrict_every_sample():
    m = model({"constraints": {"weather": ["Rainy"], "actor": ["Model_Boy", "Model_Girl"]}}, fixed={"day_phase": "Dawn"})
    specs = m.sample_balanced(30, seed=1)
    assert {s.weather.value for s in specs} == {"Rainy"}
    assert {s.actor for s in specs} <= {"Model_Boy", "Model_Girl"}
    assert {s.day_phase.value for s in specs} == {"Dawn"}
    assert sum(p for _, p in m.enumerate()) == pytest.approx(1.0)


def test_environment_without_a_possible_camera_is_never_drawn():
    m = model({"constraints": {"camera": ["Kite"]}})  # House needs Indoor
    assert all(v["environment"] != "House" for v, _ in m.enumerate())
    assert all(s.environment.value != "House" for s in m.sample_balanced(30, seed=2))


def test_actor_tags_select_children():
    from phav.sampling import actor_tags

    tags = actor_tags()
    children = sorted(n for n, t in tags.items() if "child" in t)
    if not children:
        pytest.skip("no actor preset is tagged child yet")
    m = SpecModel(SamplingConfig.from_dict({"constraints": {"actor_tags": ["child"]}}))
    assert {s.actor for s in m.sample_balanced(20, seed=0)} <= set(children)


def test_balanced_samples_hold_each_class_equally_and_plans_are_deterministic():
    m = model()
    specs = m.sample_balanced(12, seed=7)
    assert collections.Counter(s.action for s in specs) == {"Clap": 4, "Run": 4, "Walk": 4}
    assert [s.to_json() for s in specs] == [s.to_json() for s in model().sample_balanced(12, seed=7)]
    assert [s.to_json() for s in specs] != [s.to_json() for s in model().sample_balanced(12, seed=8)]
    # a planned video does not depend on which other classes are planned
    only_walk = model({"constraints": {"action": ["Walk"]}})
    assert only_walk.planned(7, "Walk", 2) == m.planned(7, "Walk", 2)
    assert len({s.seed for s in specs}) == len(specs)


def test_length_distributions():
    rng = plan_key_rng(0, "Walk", 0)
    uniform = model({"length": {"distribution": "uniform", "min": 37, "max": 40}})
    lengths = {uniform.sample_frames(rng) for _ in range(200)}
    assert lengths == {37, 38, 39, 40}
    assert model(base=VideoSpec(frames=17)).sample(rng).frames == 17
    assert model({"length": {"frames": 9}}).sample(rng).frames == 9
    normal = model({"length": {"distribution": "normal", "mean": 100, "std": 50, "min": 90, "max": 110}})
    assert all(90 <= normal.sample_frames(rng) <= 110 for _ in range(100))


@pytest.mark.parametrize("config, message", [
    ({"variables": {"wether": {}}}, "unknown variable [variables.wether]"),
    ({"variables": {"weather": {"weights": {"Clear": -1}}}}, "variables.weather.weights.Clear must be a finite number >= 0"),
    ({"variables": {"weather": {"weights": {"Sunny": 1}}}}, "variables.weather.weights.Sunny: unknown value"),
    ({"variables": {"weather": {"distribution": "phav"}}}, "variables.weather.distribution 'phav' is unknown"),
    ({"variables": {"weather": {"given": {}}}}, "unknown key variables.weather.given"),
    ({"constraints": {"weather": []}}, "constraints.weather must be a non-empty list"),
    ({"constraints": {"weather": ["Sunny"]}}, "constraints.weather: 'Sunny' not available"),
    ({"length": {"min": 50, "max": 40, "distribution": "uniform"}}, "length.min (50) is greater than length.max (40)"),
    ({"length": {"distribution": "poisson"}}, "length.distribution 'poisson' is unknown"),
    ({"lenght": {}}, "unknown key lenght"),
    ({"length": {"distribution": "uniform", "min": 30, "max": 10_000_000}},  # beyond spec.MAX_FRAMES
     "length.max must be an integer in 1..100000, got 10000000"),
    ({"length": {"frames": 100_001}}, "length.frames must be an integer in 1..100000"),
    ({"length": {"distribution": "normal", "mean": float("nan")}}, "length.mean must be a number in 0..100000"),
    ({"length": {"distribution": "normal", "std": float("inf")}}, "length.std must be a number in 0..100000"),
])
def test_broken_configs_name_the_key_and_the_problem(config, message):
    with pytest.raises(ConfigError) as info:
        model(config)
    assert message in str(info.value)


def test_constraints_that_leave_nothing_are_reported():
    with pytest.raises(ConfigError, match="no possible video"):
        model({"constraints": {"environment": ["House"], "camera": ["Kite"]}})


def test_toml_file_is_read_and_syntax_errors_name_the_file(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(textwrap.dedent("""
        [variables.weather]
        weights = { Clear = 1, Rainy = 3 }
        [constraints]
        day_phase = ["Day"]
    """))
    m = SpecModel(SamplingConfig.from_toml(good), available=FAKE)
    assert m.distribution("weather") == {"Clear": 0.25, "Rainy": 0.75}
    bad = tmp_path / "bad.toml"
    bad.write_text("[variables.weather\n")
    with pytest.raises(ConfigError, match="bad.toml is not valid TOML"):
        SamplingConfig.from_toml(bad)
    with pytest.raises(ConfigError, match="cannot read sampling config"):
        SamplingConfig.from_toml(tmp_path / "missing.toml")


def test_a_config_that_is_not_utf8_text_is_a_config_error_naming_the_file(tmp_path):
    config = tmp_path / "binary.toml"
    config.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(ConfigError, match=r"sampling config .*binary.toml is not UTF-8 text .*; save it as UTF-8 TOML"):
        SamplingConfig.from_toml(config)


@pytest.mark.parametrize("text, message", [
    ("[variables.weather]\nweights = { Sunny = 3 }\n", "variables.weather.weights.Sunny: unknown value"),
    ('[constraints]\nactor_tags = ["robot"]\n', "constraints.actor_tags ['robot'] matches no actor preset"),
    ('[constraints]\nday_phase = ["Evening"]\n', "constraints.day_phase: 'Evening' not available"),
])
def test_unknown_values_in_a_config_file_name_the_file(tmp_path, text, message):
    """Values the model checks (against what is implemented) are reported like the config's other
    errors: ``sampling config <file>: <key>: <problem>``."""
    config = tmp_path / "c.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as info:
        SpecModel(SamplingConfig.from_toml(config))
    assert str(info.value).startswith(f"sampling config {config}: {message}")


def test_a_fixed_option_the_model_refuses_names_the_option_not_the_config(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[constraints]\nweather = ["Clear"]\n')
    with pytest.raises(ConfigError) as info:
        SpecModel(SamplingConfig.from_toml(config), available=FAKE, fixed={"day_phase": "Dusk"})
    assert str(info.value).startswith("--day-phase: 'Dusk' not available")


# ---- phav-render sample -------------------------------------------------------------------------
def test_cli_sample_prints_json_lines_of_specs():
    result = CliRunner().invoke(cli, ["sample", "-n", "10", "--seed", "4", "--frames", "12", "--size", "64x48"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 10
    specs = [VideoSpec.from_json(line).validate() for line in lines]
    assert all(s.frames == 12 and (s.width, s.height) == (64, 48) for s in specs)
    again = CliRunner().invoke(cli, ["sample", "-n", "10", "--seed", "4", "--frames", "12", "--size", "64x48"])
    assert again.output == result.output


def test_cli_sample_fixed_option_and_enumerate():
    result = CliRunner().invoke(cli, ["sample", "-n", "5", "--weather", "Cloudy"])
    assert {json.loads(line)["weather"] for line in result.output.splitlines()} == {"Cloudy"}
    result = CliRunner().invoke(cli, ["sample", "--enumerate", "--weather", "Cloudy"])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows and sum(r["p"] for r in rows) == pytest.approx(1.0)


def test_cli_sample_broken_config_is_one_line_naming_the_key(tmp_path, capsys):
    from phav.cli import main

    config = tmp_path / "c.toml"
    config.write_text("[constraints]\nweather = 3\n")
    with pytest.raises(SystemExit) as info:
        main(["sample", "--config", str(config)])
    assert info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "constraints.weather must be a non-empty list" in err and "c.toml" in err


def test_cli_unknown_class_lists_the_valid_ones(capsys):
    from phav.cli import main

    with pytest.raises(SystemExit):
        main(["sample", "--classes", "Juggle"])
    err = capsys.readouterr().err
    assert "unknown class 'Juggle'" in err and "Walk" in err


def test_without_a_length_each_class_gets_the_length_it_needs():
    from phav.actions import get_action

    out = CliRunner().invoke(cli, ["sample", "-n", "6", "--classes", "Clap,Walk"]).output
    specs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert {s["action"] for s in specs} == {"Clap", "Walk"}
    for s in specs:
        needed = int(np.ceil(get_action(s["action"]).duration * s["fps"]))
        assert s["frames"] == max(60, needed)
    fixed = CliRunner().invoke(cli, ["sample", "-n", "4", "--classes", "Clap,Walk", "--frames", "30"]).output
    assert {json.loads(line)["frames"] for line in fixed.splitlines() if line.startswith("{")} == {30}


def test_action_length_distribution_from_toml(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[length]\ndistribution = "action"\nframes = 10\n')
    model = SpecModel(SamplingConfig.from_toml(path), base=VideoSpec(fps=30.0))
    from phav.actions import get_action

    spec = model.sample(np.random.default_rng(0), action="Clap")
    assert spec.frames == max(10, int(np.ceil(get_action("Clap").duration * 30.0))) > 10


def test_variation_is_drawn_among_those_the_action_declares():
    from phav.actions import get_action

    m = SpecModel(SamplingConfig(), base=VideoSpec())
    declared = get_action("Pour").variations
    drawn = {m.sample(np.random.default_rng(i), action="Pour").variation.value for i in range(60)}
    assert drawn == set(declared) and "b" not in drawn
    # enumeration follows the same rule and still sums to one
    pour = [(v, p) for v, p in m.enumerate() if v["action"] == "Pour"]
    assert {v["variation"] for v, _ in pour} == set(declared)


def test_an_action_is_never_drawn_in_an_environment_it_excludes():
    """SyntheticCarHit excludes the House (no car drives indoors): the model never draws it there,
    in samples or in the enumeration, and the other classes still get every environment."""
    from phav.actions import get_action

    assert get_action("SyntheticCarHit").excluded_environments == {"House"}
    assert get_action("SyntheticFlee").excluded_environments == {"House"}
    m = SpecModel(SamplingConfig(), base=VideoSpec())
    drawn = {m.sample(np.random.default_rng(i), action="SyntheticCarHit").environment.value for i in range(80)}
    assert "House" not in drawn and len(drawn) >= 5
    assert "House" in {m.sample(np.random.default_rng(i), action="Walk").environment.value for i in range(80)}
    total, cars = 0.0, []
    for v, p in m.enumerate():  # 2.9 million rows: one pass
        total += p
        if v["action"] == "SyntheticCarHit":
            cars.append(v)
    assert cars and all(v["environment"] != "House" for v in cars)
    assert total == pytest.approx(1.0)


def test_the_default_classes_are_those_with_a_possible_video():
    """With variation b fixed, the classes are the ones that combine with blending (no class
    without a possible video stops the plan); a named class without one says why."""
    from phav.actions import action_names, get_action

    blending = SpecModel(SamplingConfig(), base=VideoSpec(), fixed={"variation": "b"})
    assert blending.classes() == [a for a in action_names() if "b" in get_action(a).variations]
    n = 2 * len(blending.classes())
    assert {s.action for s in blending.sample_balanced(n, seed=0)} == set(blending.classes())
    with pytest.raises(ConfigError, match="class Pour has no possible video: it combines only with variations n, o, p, w"):
        blending.classes(["Walk", "Pour"])
    indoors = SpecModel(SamplingConfig(), base=VideoSpec(), fixed={"environment": "House"})
    assert "SyntheticCarHit" not in indoors.classes() and "Walk" in indoors.classes()
    with pytest.raises(ConfigError, match="SyntheticCarHit has no possible video: it does not take place in House"):
        indoors.classes(["SyntheticCarHit"])


def test_classes_too_short_for_the_length_distribution():
    """A class whose recipe needs more frames than any video can get is named with what it needs;
    the action length distribution gives every class its own length, so none is too short."""
    from phav.actions import get_action

    needs = {name: get_action(name).frames_needed(30.0) for name in ("Walk", "Pour")}
    fixed = SpecModel(SamplingConfig(), base=VideoSpec(frames=40))
    assert fixed.longest_frames() == 40
    assert fixed.too_short(["Walk", "Pour"]) == {n: f for n, f in needs.items() if f > 40} and "Pour" in fixed.too_short(["Pour"])
    ranged = SpecModel(SamplingConfig.from_dict({"length": {"distribution": "uniform", "min": 10, "max": 500}}))
    assert ranged.longest_frames() == 500 and ranged.too_short(["Pour"]) == {}
    own = SpecModel(SamplingConfig.from_dict({"length": {"distribution": "action"}}), base=VideoSpec(frames=3))
    assert own.longest_frames() is None and own.too_short(["Walk", "Pour"]) == {}


def test_an_actor_alias_stands_for_its_preset_in_fixed_values_and_constraints():
    """``phav-render video --actor Model_Default`` works, so sample and dataset take it too."""
    fixed = SpecModel(fixed={"actor": "Model_Default"})
    assert {fixed.sample(np.random.default_rng(i)).actor for i in range(5)} == {"Model_Man01"}
    constrained = SpecModel(SamplingConfig.from_dict({"constraints": {"actor": ["Model_Default", "Model_Girl"]}}))
    assert set(constrained.allowed["actor"]) == {"Model_Man01", "Model_Girl"}


@pytest.mark.parametrize("args, words", [
    (["--config", "CHILDREN", "--actor", "Model_Man01"], "the constraints leave no possible video"),
    (["--config", "CONFIG"], "sampling config .*: unknown variable"),
])
def test_a_config_or_fixed_value_the_model_cannot_use_is_a_usage_error(tmp_path, args, words):
    """Exit 2, as for any command line the CLI cannot use, with one line; for sample and dataset alike."""
    import subprocess
    import sys

    config = tmp_path / "bad.toml"
    config.write_text("[variables.mood]\nweights = { happy = 1 }\n")
    children = tmp_path / "children.toml"
    children.write_text('[constraints]\nactor_tags = ["child"]\n')
    args = [{"CONFIG": str(config), "CHILDREN": str(children)}.get(a, a) for a in args]
    for command in (["sample", "-n", "1"], ["dataset", "--out", str(tmp_path / "ds"), "--videos-per-class", "1", "--dry-run"]):
        run = subprocess.run([sys.executable, "-m", "phav.cli", *command, *args], capture_output=True, text=True)
        assert run.returncode == 2, run.stderr
        assert len(run.stderr.strip().splitlines()) == 1
        assert re.search(words, run.stderr), run.stderr

"""``phav-render sample`` and ``dataset`` options: each one is honoured, or refused in one line before
any work; none is silently ignored."""

from __future__ import annotations

import json

import pytest

from phav.cli import main

TOML_LENGTH = '[length]\ndistribution = "uniform"\nmin = 37\nmax = 291\n'


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return info.value.code, out, err.strip()


def test_sample_takes_modalities_only_to_say_it_ignores_them(capsys):
    """Specs carry no modalities: a bad value is one line, a good one a warning (older command lines still run)."""
    code, out, err = run(["sample", "--modalities", "foo"], capsys)
    assert code == 2 and out == "" and err.splitlines() == [
        "phav-render: error: Invalid value for --modalities: unknown modalities ['foo']; choose a comma-separated "
        "subset of img,raw,depth,flow,classgt,instancegt (or a list of those names)"]
    code, out, err = run(["sample", "-n", "2", "--modalities", "img", "--classes", "Walk"], capsys)
    assert code == 0 and len(out.splitlines()) == 2
    assert err == ("warning: sample ignores --modalities (specs carry no modalities; video and dataset take it): "
                   "leave it out")
    code, out, _ = run(["sample", "--help"], capsys)
    assert "--modalities" not in out


def test_sample_enumerate_keeps_to_the_classes_and_refuses_what_it_cannot_honour(capsys):
    code, out, err = run(["sample", "--enumerate", "--classes", "Walk,Run"], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and err == "" and {row["action"] for row in rows} == {"Walk", "Run"}
    for given, named in [(["-n", "3"], "-n"), (["--seed", "1"], "--seed")]:
        code, out, err = run(["sample", "--enumerate", "--classes", "Walk", *given], capsys)
        assert code == 2 and out == "" and err == (f"phav-render: error: --enumerate prints every combination, so it "
                                                   f"takes no {named}; leave out {named} or --enumerate")


@pytest.mark.parametrize("command", [["sample"], ["dataset", "--videos-per-class", "1", "--dry-run"]])
def test_classes_that_name_no_class_and_a_length_given_twice_are_refused(tmp_path, capsys, command):
    extra = ["--out", str(tmp_path / "ds")] if command[0] == "dataset" else []
    code, _, err = run([*command, *extra, "--classes", ","], capsys)
    assert code == 2 and err == ("phav-render: error: Invalid value for --classes: ',' names no class; give "
                                 "comma-separated classes, e.g. Walk,Run, or leave --classes out for every class")
    config = tmp_path / "sampling.toml"
    config.write_text(TOML_LENGTH)
    for option, value in [("--frames", "30"), ("--seconds", "1")]:
        code, out, err = run([*command, *extra, "--classes", "Walk", option, value, "--config", str(config)], capsys)
        assert code == 2 and out == "" and err == (f"phav-render: error: {option} and the [length] table of --config "
                                                   f"{config} both set the length; leave out {option} or the [length] "
                                                   "table")
    assert not (tmp_path / "ds").exists()


def test_dataset_refuses_gpus_per_task_without_ray_and_a_plan_too_large(tmp_path, capsys):
    out = ["dataset", "--out", str(tmp_path / "ds"), "--classes", "Walk"]
    code, _, err = run([*out, "--videos-per-class", "1", "--gpus-per-task", "1"], capsys)
    assert code == 2 and err == ("phav-render: error: --gpus-per-task 1 is for --backend ray: local processes render on "
                                 "the GPU PHAV_EGL_DEVICE names (a list deals several out); leave out --gpus-per-task "
                                 "or add --backend ray")
    code, _, err = run([*out, "--videos-per-class", "100000000000", "--dry-run"], capsys)
    assert code == 2 and err == ("phav-render: error: Invalid value for '--videos-per-class': 100000000000 is not in "
                                 "the range 1<=x<=100000.")
    from phav.dataset import plan_dataset
    from phav.errors import SpecError
    from phav.sampling import SpecModel

    with pytest.raises(SpecError, match=r"videos per class must be in 1..100000 \(a key numbers them with five digits\)"):
        plan_dataset(SpecModel(), 100_001, 0)
    assert not (tmp_path / "ds").exists()


def test_dataset_help_states_the_exit_status(capsys):
    code, out, _ = run(["dataset", "--help"], capsys)
    assert code == 0 and "Exit status: 0 when every planned video is made; 3 when the run ends with" in " ".join(out.split())

"""A dataset's class labels: numbered in the order the classes were first planned (``classes.txt``),
so that growing, shrinking or sharding a dataset never renumbers a class."""

from __future__ import annotations

import json
import threading

import pytest

import phav
from phav.actions import registry
from phav.actions.registry import ActionRecipe, SignatureResult
from phav.dataset import open_dataset, run_dataset
from phav.dataset.classes import CLASSES_FILE, dataset_classes, read_classes, record_classes
from phav.dataset.package import package_dataset
from phav.errors import DataError
from phav.io.lists import read_class_index
from phav.sampling import SamplingConfig, SpecModel, available_values
from phav.spec import VideoSpec

TINY = VideoSpec(frames=3, width=48, height=32)
NAMES = ("ZuluTest", "MikeTest", "AlphaTest")  # planned in this order below: sorting would renumber


@pytest.fixture
def test_actions():
    """Three registered actions that always pass (tiny videos are too short for real signatures)."""
    for name in NAMES:
        registry.register(ActionRecipe(name=name, tags=frozenset({"extra"}), clips=("walk",),
                                       signature=lambda take: SignatureResult(True, "by construction"),
                                       description="test action that always passes"))
    yield NAMES
    for name in NAMES:
        registry._REGISTRY.pop(name)


def _model() -> SpecModel:
    return SpecModel(SamplingConfig.from_dict({"constraints": {"action": list(NAMES)}}), base=TINY)


def _every_actor_trains() -> tuple[int, int, int]:
    return len(available_values()["actor"]), 0, 0


@pytest.mark.gl
def test_growing_and_shrinking_a_dataset_keeps_every_class_label(tmp_path, test_actions):
    run = dict(seed=0, modalities=("img",), progress=False)
    run_dataset(tmp_path, _model(), 1, classes=["ZuluTest", "MikeTest"], **run)
    assert read_classes(tmp_path) == ["MikeTest", "ZuluTest"]  # a new dataset: sorted
    labels = {v.action: v.label for v in open_dataset(tmp_path, split=_every_actor_trains())}
    assert labels == {"MikeTest": 0, "ZuluTest": 1}

    run_dataset(tmp_path, _model(), 1, classes=list(NAMES), **run)  # AlphaTest sorts first, but comes last
    assert read_classes(tmp_path) == ["MikeTest", "ZuluTest", "AlphaTest"]
    grown = {v.action: v.label for v in open_dataset(tmp_path, split=_every_actor_trains())}
    assert grown == {"MikeTest": 0, "ZuluTest": 1, "AlphaTest": 2}
    assert phav.dataset_classes(tmp_path) == ["MikeTest", "ZuluTest", "AlphaTest"]  # the public name
    package_dataset(tmp_path, ("lists",), split=_every_actor_trains())
    assert read_class_index(tmp_path / "classInd.txt") == ["MikeTest", "ZuluTest", "AlphaTest"]
    listed = dict(line.rsplit(" ", 1) for line in (tmp_path / "trainlist01.txt").read_text().splitlines())
    assert {path.split("/")[0]: int(label) for path, label in listed.items()} == {
        "MikeTest": 1, "ZuluTest": 2, "AlphaTest": 3}

    with pytest.warns(Warning):  # a smaller plan: ZuluTest's video leaves the manifest, not its label
        run_dataset(tmp_path, _model(), 1, classes=["AlphaTest", "MikeTest"], **run)
    assert {v.action: v.label for v in open_dataset(tmp_path, split=_every_actor_trains())} == {
        "MikeTest": 0, "AlphaTest": 2}
    package_dataset(tmp_path, ("lists",), split=_every_actor_trains())
    assert read_class_index(tmp_path / "classInd.txt") == ["MikeTest", "ZuluTest", "AlphaTest"]


@pytest.mark.gl
def test_a_refused_run_records_no_class(tmp_path, test_actions):
    run_dataset(tmp_path, _model(), 1, classes=["ZuluTest"], seed=0, modalities=("img",), progress=False)
    with pytest.raises(Exception, match="made with"):
        run_dataset(tmp_path, _model(), 1, classes=["ZuluTest", "AlphaTest"], seed=0, modalities=("img", "depth"),
                    progress=False)
    assert read_classes(tmp_path) == ["ZuluTest"]


def _manifest(root, *actions):
    rows = [{"key": f"{a}/00000", "action": a, "status": "done", "path": f"{a}/v0", "frames": 3,
             "spec": {"actor": "Model_Default"}} for a in actions]
    (root / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_a_dataset_made_before_classes_txt_keeps_its_sorted_labels_when_it_grows(tmp_path):
    _manifest(tmp_path, "Walk", "Clap")
    assert read_classes(tmp_path) is None
    assert dataset_classes(tmp_path) == ["Clap", "Walk"]  # what its exports numbered
    assert record_classes(tmp_path, ["Walk", "Clap", "Catch"]) == ["Clap", "Walk", "Catch"]
    assert (tmp_path / CLASSES_FILE).read_text() == "Clap\nWalk\nCatch\n"


def test_shards_recording_their_plan_at_once_write_one_list(tmp_path):
    record_classes(tmp_path, ["Walk"])
    results = []
    threads = [threading.Thread(target=lambda: results.append(record_classes(tmp_path, ["Run", "Walk", "Jump"])))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [["Walk", "Jump", "Run"]] * 8
    assert read_classes(tmp_path) == ["Walk", "Jump", "Run"]
    assert not [p.name for p in tmp_path.iterdir() if p.name not in (CLASSES_FILE, ".phav-classes.lock")]


@pytest.mark.parametrize("text, message", [
    ("Walk\n\nRun\n", r"line 2 is empty"),
    ("Walk\nRun\nWalk\n", r"line 3 repeats Walk"),
    ("Walk Run\n", r"line 1 .*'Walk Run'.* is not a class name"),
])
def test_a_broken_classes_file_is_named_with_how_to_mend_it(tmp_path, text, message):
    (tmp_path / CLASSES_FILE).write_text(text)
    with pytest.raises(DataError, match=message + r".*remove it"):
        read_classes(tmp_path)


def test_a_class_of_the_manifest_missing_from_classes_txt_is_refused(tmp_path):
    _manifest(tmp_path, "Walk", "Clap")
    (tmp_path / CLASSES_FILE).write_text("Walk\n")
    with pytest.raises(DataError, match=r"classes.txt lacks Clap, which the manifests list; add it to the end of the "
                                        r"file \(one class per line: a line's number is the label\), or remove the file"):
        dataset_classes(tmp_path)  # a rerun of the dataset command reads the file first: it cannot be the fix
    with open(tmp_path / CLASSES_FILE, "a") as fh:  # the fix it advises
        fh.write("Clap\n")
    assert dataset_classes(tmp_path) == ["Walk", "Clap"]

"""VideoSpec: JSON round trip, naming, validation."""

import json
import pickle

import pytest

from phav.spec import CameraKind, Environment, VideoSpec


def test_json_round_trip_is_identity():
    spec = VideoSpec(action="Walk", environment="Plain", camera="Kite", frames=12, seed=7, batch=3)
    again = VideoSpec.from_json(spec.to_json())
    assert again == spec
    assert again.environment is Environment.PLAIN and again.camera is CameraKind.KITE


def test_environments_are_a_registry_of_names_that_compare_as_strings():
    assert [e.value for e in Environment] == ["Plain", "Stadium", "Lake", "Urban", "GreenCity", "Middle", "House"]
    assert Environment("greencity") is Environment.GREEN_CITY is Environment.parse("GREENCITY")
    assert Environment.HOUSE == "House" and str(Environment.HOUSE) == "House" and type(Environment.HOUSE.value) is str
    assert pickle.loads(pickle.dumps(Environment.LAKE)) is Environment.LAKE  # worker processes get the same value
    assert json.loads(VideoSpec(environment="Lake").to_json())["environment"] == "Lake"
    with pytest.raises(ValueError, match="unknown Environment 'Moon'; valid values: Plain, Stadium, .*House"):
        VideoSpec(environment="Moon")


@pytest.mark.parametrize("name, message", [("plain", "already exists"), ("My-Yard", "identifier"), ("", "identifier")])
def test_a_taken_or_unusable_environment_name_is_refused(name, message):
    with pytest.raises(ValueError, match=message):
        Environment.register(name)
    assert len(Environment) == 7


def test_folder_name_follows_the_phav_pattern():
    spec = VideoSpec(action="Walk", batch=12, seed=0)
    name = spec.folder_name("walk")
    fields = name.split("-")
    assert fields[:8] == ["b0012", "Plain", "Day", "Clear", "walk", "Model_Default", "Kite", "n"]
    assert len(fields[8]) == 32 and int(fields[8], 16) >= 0


def test_video_id_depends_on_every_parameter_and_the_seed():
    base = VideoSpec()
    assert base.video_id() == VideoSpec().video_id()
    assert base.video_id() != base.replace(seed=1).video_id()
    assert base.video_id() != base.replace(width=320).video_id()


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"width": 0}, r"size 0x256 is too small; use WxH with each side in 8\.\.8192"),
        ({"height": 100000}, r"size 340x100000 is too large; use WxH with each side in 8\.\.8192"),
        ({"width": 4}, "too small"),
        ({"frames": 0}, "frames"),
        ({"fps": -1}, "fps"),
        ({"seed": -1}, "seed"),
        ({"clip": "a-b"}, "may not contain"),
        ({"action": ".."}, r"action '\.\.' may not contain .* nor start with '\.'"),
        ({"action": "."}, "nor start with"),
        ({"action": ".hidden"}, "nor start with"),
        ({"action": ""}, "action may not be empty"),
        ({"actor": ""}, "actor may not be empty"),
        ({"clip": ".."}, "nor start with"),
        ({"action": "a\\b"}, "may not contain"),
        ({"action": 3}, "action must be a string"),
    ],
)
def test_validate_rejects_impossible_values(changes, words):
    with pytest.raises(ValueError, match=words):
        VideoSpec().replace(**changes).validate()


def test_unknown_enum_value_lists_the_valid_ones():
    with pytest.raises(ValueError, match="valid values: Plain, Stadium"):
        VideoSpec(environment="Moon")


def test_an_empty_clip_means_the_action_chooses():
    assert VideoSpec(clip="").validate().clip == ""


@pytest.mark.parametrize("text, words", [
    ('{"frames": "x"}', "frames must be an integer, got 'x'"),
    ('{"fps": "fast"}', "fps must be a number, got 'fast'"),
    ('{"width": null}', "width must be an integer, got None"),
    ('[1, 2]', "must be a JSON object, got list"),
    ('{"frames": ', "must be a JSON object"),
])
def test_from_json_names_the_field_that_is_wrong(text, words):
    with pytest.raises(ValueError, match=words):
        VideoSpec.from_json(text)


def test_unknown_field_is_named():
    with pytest.raises(ValueError, match="colour"):
        VideoSpec.from_dict({"action": "Walk", "colour": "red"})

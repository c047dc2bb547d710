"""Advice to set a spec field is kept as a fact (``error.setting``) and each front end words it: the
library as the keyword argument (``use frames=84``), ``phav-render`` as its option (``use --frames
84``), the web server as its JSON field (``set "frames" to 84``)."""

from __future__ import annotations

import pickle

import pytest

import phav
from phav.errors import Setting, SignatureError, SpecError
from phav.scenario import Scenario
from phav.server.render_job import api_message
from phav.spec import VideoSpec
from phav.worlds.cameras import check_camera

#: Too short for Clap (2.8 s, 84 frames at 30 fps): its take does not show a clap (as in test_cli).
SHORT_CLAP = VideoSpec(action="Clap", frames=10, width=64, height=48)


@pytest.fixture(scope="module")
def short_clap() -> SignatureError:
    with pytest.raises(SignatureError) as refused:
        Scenario(SHORT_CLAP).simulate()
    return refused.value


def test_a_take_too_short_for_its_action_names_the_frames_it_needs_as_the_library_sets_them(short_clap):
    assert short_clap.setting == Setting("frames", 84)
    assert str(short_clap).startswith("Clap was not performed visibly (")
    assert str(short_clap).endswith("it needs about 2.8 s: use frames=84 or more") and "--" not in str(short_clap)


def test_the_frames_it_needs_are_a_video_that_long():
    """The advice holds: a spec with frames=84 is as long as Clap needs (no short_of_action)."""
    from phav.actions import get_action
    from phav.scenario import short_of_action

    assert short_of_action(SHORT_CLAP.replace(frames=84), get_action("Clap")) is None
    assert short_of_action(SHORT_CLAP.replace(frames=83), get_action("Clap")) == 84


@pytest.mark.parametrize("environment, camera, advice, setting", [
    ("House", "Kite", "use camera='Indoor' or another environment", Setting("camera", "Indoor")),
    ("Plain", "Indoor", "use environment='House' or another camera", Setting("environment", "House")),
])
def test_the_camera_rule_advises_the_spec_field_to_the_library(environment, camera, advice, setting):
    spec = VideoSpec(action="Walk", environment=environment, camera=camera)
    for call in (lambda: check_camera(spec.environment, spec.camera), lambda: phav.Scene.from_spec(spec),
                 lambda: Scenario(spec)):
        with pytest.raises(SpecError) as refused:
            call()
        assert str(refused.value).endswith(advice) and refused.value.setting == setting
        assert "--" not in str(refused.value)


def test_the_advice_survives_pickling(short_clap):
    """Worker processes (the dataset's, Ray's) may send an error back pickled."""
    back = pickle.loads(pickle.dumps(short_clap))
    assert (type(back), back.setting, str(back)) == (SignatureError, short_clap.setting, str(short_clap))
    assert repr(short_clap) == f"SignatureError({str(short_clap)!r})"  # the message, not its template


def test_the_web_api_names_the_requests_field(short_clap):
    assert api_message(short_clap).endswith('it needs about 2.8 s: set "frames" to 84 or more')
    with pytest.raises(SpecError) as refused:
        check_camera(phav.Environment.HOUSE, phav.CameraKind.KITE)
    assert api_message(refused.value).endswith('set "camera" to Indoor or another environment')
    assert api_message(ValueError("plain")) == "plain" and api_message(SpecError("no advice")) == "no advice"


@pytest.mark.parametrize("args, advice", [
    (["--environment", "House", "--camera", "Kite"], "use --camera Indoor or another environment"),
    (["--environment", "Plain", "--camera", "Indoor"], "use --environment House or another camera"),
])
def test_the_command_line_names_its_option(tmp_path, capsys, args, advice):
    """As before the advice became a Setting (test_cli pins the frames advice of a short take)."""
    from phav.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["video", "--action", "Walk", *args, "--out", str(tmp_path / "o")])
    error = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2 and error.startswith("phav-render: error: ") and error.endswith(advice)
    assert "\n" not in error


"""A plugin's environment builder or action signature that breaks its contract gives a PluginError
naming the plugin and what it should return, not an internal AttributeError."""

from __future__ import annotations

import pytest

import phav
from phav.actions import ActionRecipe, SignatureResult
from phav.plugins import PluginError, register_environment
from phav.scenario import Scenario


def _return_none(rng):
    return None


def _raise(rng):
    raise KeyError("wall_height")


@pytest.fixture(autouse=True)
def broken_environments():
    """The two broken environments, registered for each test and removed after it (registered at
    import, they would join every test that runs over all environments in this process)."""
    from phav.spec import Environment
    from phav.worlds.environments import ENVIRONMENTS

    added = [register_environment("TestNoneYard", _return_none), register_environment("TestRaisingYard", _raise)]
    yield
    for environment in added:
        ENVIRONMENTS.pop(environment, None)
        Environment._members.pop(environment.lower(), None)


def test_an_environment_builder_that_returns_no_static_scene_is_named():
    scene = phav.Scene("TestNoneYard", frames=4, size=(64, 48))
    scene.add_person("Walk")
    with pytest.raises(PluginError, match=r"environment TestNoneYard: its builder returned NoneType, not a "
                                          r"phav\.worlds\.scene\.StaticScene"):
        scene.simulate()
    with pytest.raises(PluginError, match="environment TestNoneYard"):
        Scenario(phav.VideoSpec(environment="TestNoneYard", frames=4, width=64, height=48))


def test_an_environment_builder_that_raises_is_named_and_keeps_its_error_as_the_cause():
    scene = phav.Scene("TestRaisingYard", frames=4, size=(64, 48))
    scene.add_person("Walk")
    with pytest.raises(PluginError, match=r"environment TestRaisingYard: its builder raised KeyError: 'wall_height'") \
            as caught:
        scene.simulate()
    assert isinstance(caught.value.__cause__, KeyError)


def _register(name: str, signature) -> None:
    phav.register_action(ActionRecipe(name, frozenset({"extra"}), ("walk",), signature, "test action"))


def _take_of(action: str) -> phav.Take:
    scene = phav.Scene("Plain", frames=4, size=(64, 48))
    scene.add_person(action)
    return scene.simulate(quality="preview")


def test_an_action_signature_that_does_not_return_a_signature_result_is_named():
    _register("TestSigBool", lambda take: True)
    with pytest.raises(PluginError, match=r"action TestSigBool: its signature check returned bool, not a "
                                          r"phav\.actions\.SignatureResult"):
        _take_of("TestSigBool")


def test_an_action_signature_that_raises_is_named_and_keeps_its_error_as_the_cause():
    def signature(take):
        raise KeyError("pelvis_x")

    _register("TestSigRaises", signature)
    with pytest.raises(PluginError, match=r"action TestSigRaises: its signature check raised KeyError: 'pelvis_x'") \
            as caught:
        _take_of("TestSigRaises")
    assert isinstance(caught.value.__cause__, KeyError)


def test_the_cli_path_checks_the_signature_too():
    _register("TestSigNone", lambda take: None)
    spec = phav.VideoSpec(action="TestSigNone", frames=4, width=64, height=48)
    with pytest.raises(PluginError, match="action TestSigNone: its signature check returned NoneType"):
        Scenario(spec).simulate()


def test_a_good_signature_still_decides():
    _register("TestSigGood", lambda take: SignatureResult(True, "fine"))
    take = _take_of("TestSigGood")
    assert take.meta["signature"] == {"ok": True, "reason": "fine"}

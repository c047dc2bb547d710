"""Fixtures the physics tests share: the default skeleton and the DeepMimic walk retargeted to it."""

import pytest

from phav.body.skeleton import default_skeleton
from phav.motion.deepmimic import load_deepmimic


@pytest.fixture(scope="module")
def skeleton():
    return default_skeleton()


@pytest.fixture(scope="module")
def walk(skeleton):
    return load_deepmimic("walk", skeleton)

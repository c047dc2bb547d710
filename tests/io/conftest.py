"""Fixtures for the io tests (helpers live in ``io_synth``)."""

from __future__ import annotations

import pytest
from io_synth import T, H, W, make_frame, make_take

from phav.frames import Frame
from phav.spec import VideoSpec
from phav.take import Take


@pytest.fixture
def take() -> Take:
    return make_take()


@pytest.fixture
def spec() -> VideoSpec:
    return VideoSpec(action="Walk", clip="walk", frames=T, width=W, height=H, seed=7, batch=3).validate()


@pytest.fixture
def frames() -> list[Frame]:
    return [make_frame(i, last=(i == T - 1)) for i in range(T)]

"""Shared test fixtures: one headless GL context per session (DESIGN §7).

Markers (also listed in pyproject.toml): ``gl`` needs an OpenGL context (runs on llvmpipe), ``gpu``
needs a real GPU (skipped on software renderers), ``slow`` longer tests.
"""

from __future__ import annotations

import os

import pytest


#: Most test processes pyproject's ``-n logical`` starts: the longest test takes about 40 s on one core
#: (the suite about 330 CPU seconds), so more processes would not finish sooner, and each one holds a GL
#: context, PyBullet and numpy (a machine of many cores and little memory would run out).
MAX_TEST_PROCESSES = 8


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: absent without the plugin
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """Test processes for pyproject's ``-n logical``: none besides this one when the command line
    names single tests (``path::test``), where starting workers costs more than they save (about
    5 s on 2 cores); otherwise one per CPU this process may run on, at most
    :data:`MAX_TEST_PROCESSES`; ``None`` (pytest-xdist decides) where ``PYTEST_XDIST_AUTO_NUM_WORKERS``
    sets the count."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    if config.args and all("::" in arg for arg in config.args):
        return 0
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cpus, MAX_TEST_PROCESSES)


def pytest_configure(config: pytest.Config) -> None:
    for line in (
        "gl: needs an OpenGL context (runs on Mesa llvmpipe)",
        "gpu: needs a real GPU (skipped without one)",
        "slow: longer tests",
    ):
        config.addinivalue_line("markers", line)


@pytest.fixture(scope="session")
def gl_session():
    """The process's moderngl context; skips the test if no GL context can be created."""
    try:
        from phav.render.context import GLUnavailableError, get_context
    except ImportError as exc:  # moderngl missing
        pytest.skip(f"no OpenGL: {exc}")
    try:
        return get_context()
    except GLUnavailableError as exc:
        pytest.skip(f"no OpenGL context: {exc}")


@pytest.fixture
def gl_context(gl_session):
    """The session GL context, asserting no GL error is pending before and after the test."""
    assert gl_session.error == "GL_NO_ERROR", f"GL error before the test: {gl_session.error}"
    yield gl_session
    assert gl_session.error == "GL_NO_ERROR", f"GL error left by the test: {gl_session.error}"


@pytest.fixture
def devices_made_on(monkeypatch, gl_session):
    """(After the session's context is made.) A function running a callable in a new thread (a thread without a GL context), re-raising
    what it raises, and the list of EGL device indices the contexts made meanwhile were asked for:
    this machine may have one EGL device, so each is made on device 0 and the index recorded."""
    import threading

    from phav.render import context as glctx

    made_on: list[int] = []
    real_create = glctx._create_egl

    def create(device: int):
        made_on.append(device)
        return real_create(0)

    monkeypatch.setattr(glctx, "_create_egl", create)
    monkeypatch.delenv("PHAV_GL", raising=False)

    def in_new_thread(run) -> list[int]:
        seen: list[BaseException] = []

        def body() -> None:
            try:
                run()
            except BaseException as exc:  # reported to the test's thread
                seen.append(exc)

        thread = threading.Thread(target=body)
        thread.start()
        thread.join()
        if seen:
            raise seen[0]
        return made_on

    return in_new_thread


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Make ``gl``/``gpu`` tests use the GL fixture."""
    for item in items:
        if item.get_closest_marker("gl") or item.get_closest_marker("gpu"):
            if "gl_context" not in getattr(item, "fixturenames", ["gl_context"]):
                item.fixturenames.append("gl_context")


@pytest.fixture(autouse=True)
def _skip_gpu_without_gpu(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("gpu") is None:
        return
    ctx = request.getfixturevalue("gl_context")
    from phav.render.context import is_software_renderer

    if is_software_renderer(str(ctx.info.get("GL_RENDERER", ""))):
        pytest.skip(f"needs a GPU; GL_RENDERER is {ctx.info.get('GL_RENDERER')}")

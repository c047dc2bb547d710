"""CUDA_VISIBLE_DEVICES chooses the EGL device phav renders on; a thread's context can be made anew
on another device (a reused Ray worker given another GPU)."""

from __future__ import annotations

import warnings

import pytest

from phav.errors import PhavWarning
from phav.render import context as glctx
from phav.render import egl_devices
from phav.render.egl_devices import cuda_visible_gpus, egl_devices_for_cuda

#: A node as NVIDIA's EGL may list it: Mesa's software device first, then GPUs 2, 0, 1 (CUDA order).
NODE = (None, 2, 0, 1)


@pytest.mark.parametrize("text,gpus", [
    (None, None), ("", []), ("-1", []), ("3", ["3"]), ("1,0", ["1", "0"]), (" 2 , 3 ", ["2", "3"]),
    ("0,x,1", ["0"]),  # CUDA stops at the first entry it cannot take
    ("1,-1,2", ["1"]),
    ("GPU-8f6c2e1a-3b4d-11ee-be56-0242ac120002,0", ["GPU-8f6c2e1a-3b4d-11ee-be56-0242ac120002", "0"]),
])
def test_cuda_visible_devices_is_read_as_cuda_reads_it(text, gpus):
    assert cuda_visible_gpus(text) == gpus


def test_gpus_map_to_their_egl_devices_in_the_variables_order():
    assert egl_devices_for_cuda(["0"], NODE) == ([2], None)
    assert egl_devices_for_cuda(["1", "2"], NODE) == ([3, 1], None)
    devices, problem = egl_devices_for_cuda(["2", "5", "GPU-8f6c2e1a"], NODE)
    assert devices == [1]
    assert problem.startswith("EGL has no one device for GPU 5, GPU-8f6c2e1a (GPUs are named by index")
    assert "GPU 2 is EGL device 1, GPU 0 is EGL device 2, GPU 1 is EGL device 3" in problem
    # Two EGL devices claiming one GPU (seen with old drivers) choose neither.
    assert egl_devices_for_cuda(["0"], (0, 0)) == ([], "EGL has no one device for GPU 0 (GPUs are named by "
                                                        "index here, not by UUID; GPU 0 is EGL device 0, GPU 0 "
                                                        "is EGL device 1)")


@pytest.fixture
def node(monkeypatch):
    """EGL lists NODE; PHAV_EGL_DEVICE unset; no earlier warnings."""
    monkeypatch.setattr(glctx, "egl_cuda_ordinals", lambda: NODE)
    monkeypatch.setattr(glctx, "_warned_cuda_mappings", set())
    monkeypatch.delenv("PHAV_EGL_DEVICE", raising=False)
    return monkeypatch


def test_without_phav_egl_device_the_gpus_cuda_visible_devices_names_are_used(node):
    node.setenv("CUDA_VISIBLE_DEVICES", "1,0")  # as Slurm or Ray set it
    assert glctx.egl_devices_from_env() == [3, 2] and glctx.egl_device_from_env() == 3
    node.setenv("PHAV_EGL_DEVICE", "1")  # the user's choice wins
    assert glctx.egl_devices_from_env() == [1]
    node.setenv("PHAV_EGL_DEVICE", "")
    assert glctx.egl_devices_from_env() == [3, 2]
    for hidden in ("", "-1"):  # no GPU visible: EGL's first device, as without the variable
        node.setenv("CUDA_VISIBLE_DEVICES", hidden)
        assert glctx.egl_devices_from_env() == [0]
    node.delenv("CUDA_VISIBLE_DEVICES")
    assert glctx.egl_devices_from_env() == [0]


def test_a_gpu_egl_does_not_list_is_warned_about_once_and_the_others_are_used(node):
    node.setenv("CUDA_VISIBLE_DEVICES", "7,1")
    with pytest.warns(PhavWarning, match=r"CUDA_VISIBLE_DEVICES='7,1': EGL has no one device for GPU 7 .*; rendering "
                                         r"on EGL device 3; set PHAV_EGL_DEVICE to the EGL device index to choose"):
        assert glctx.egl_devices_from_env() == [3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert glctx.egl_devices_from_env() == [3]  # once per process
    node.setenv("CUDA_VISIBLE_DEVICES", "GPU-8f6c2e1a")
    with pytest.warns(PhavWarning, match="rendering on EGL device 0"):
        assert glctx.egl_devices_from_env() == [0]


def test_egl_without_cuda_devices_renders_on_its_first_device_without_a_word(node):
    node.setattr(glctx, "egl_cuda_ordinals", lambda: (None,))  # Mesa, as on a machine without a GPU
    node.setenv("CUDA_VISIBLE_DEVICES", "3")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert glctx.egl_devices_from_env() == [0]
    node.setattr(glctx, "egl_cuda_ordinals", lambda: ())  # EGL could not be asked
    assert glctx.egl_devices_from_env() == [0]


@pytest.mark.gl
def test_egl_is_asked_in_a_process_that_sees_every_gpu(monkeypatch):
    """The probe lists one entry a device, as glcontext counts them, whatever this process's
    CUDA_VISIBLE_DEVICES (Mesa's software device has no CUDA ordinal)."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    egl_devices.egl_cuda_ordinals.cache_clear()
    try:
        ordinals = egl_devices.egl_cuda_ordinals()
    finally:
        egl_devices.egl_cuda_ordinals.cache_clear()
    assert len(ordinals) >= 1
    assert all(o is None or (isinstance(o, int) and o >= 0) for o in ordinals)
    cuda = [o for o in ordinals if o is not None]
    assert sorted(cuda) == list(range(len(cuda)))  # every GPU, numbered as CUDA numbers all of them


@pytest.mark.gl
def test_a_threads_context_is_released_and_made_anew_on_the_device_then_named(monkeypatch, devices_made_on):
    def run() -> None:
        monkeypatch.setenv("PHAV_EGL_DEVICE", "0")
        assert glctx.thread_context_device() is None
        first = glctx.get_context()
        assert glctx.thread_context_device() == 0 and glctx.get_context() is first
        count = len(glctx._contexts)
        glctx.release_thread_context()
        assert glctx.thread_context_device() is None and len(glctx._contexts) == count - 1
        monkeypatch.setenv("PHAV_EGL_DEVICE", "3")
        second = glctx.get_context()
        assert second is not first and glctx.thread_context_device() == 3
        buffer = second.buffer(b"\x01\x02\x03\x04")  # the new context works
        assert buffer.read() == b"\x01\x02\x03\x04"
        buffer.release()
        glctx.release_thread_context()
        glctx.release_thread_context()  # nothing left: does nothing

    assert devices_made_on(run) == [0, 3]

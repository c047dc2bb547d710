"""Which EGL device is which CUDA GPU, so that ``CUDA_VISIBLE_DEVICES`` chooses where phav renders.

Slurm, Ray and users name a process's GPUs with ``CUDA_VISIBLE_DEVICES``. EGL ignores it: it lists
every GPU, in an order of its own, and renders on the device it is given by index. NVIDIA's driver
says which CUDA GPU an EGL device is (the ``EGL_NV_device_cuda`` extension's ``EGL_CUDA_DEVICE_NV``),
but numbers only the GPUs ``CUDA_VISIBLE_DEVICES`` leaves visible, by their place in it, and may read
the variable once, when it loads. So the numbers are asked for once per process, in a child process
that sees every GPU (:func:`egl_cuda_ordinals`): a GPU's number there is the index
``CUDA_VISIBLE_DEVICES`` names it by. :func:`egl_devices_for_cuda` then maps the variable's entries
to EGL device indices; :func:`phav.render.context.egl_devices_from_env` uses it when
``PHAV_EGL_DEVICE`` is not set.

Where EGL has no CUDA devices (Mesa, other vendors' drivers), nothing is mapped and phav renders on
EGL device 0, as without the variable.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys

#: ``EGL_CUDA_DEVICE_NV`` (``EGL_NV_device_cuda``): an EGL device's CUDA device ordinal.
EGL_CUDA_DEVICE_NV = 0x323A
#: The variable CUDA (and the schedulers that set it) names a process's GPUs with.
CUDA_VARIABLE = "CUDA_VISIBLE_DEVICES"

#: Run with ``python -c`` in a child process: prints a JSON list, for each EGL device in EGL's order
#: (the index glcontext's ``device_index`` takes), its CUDA ordinal or null. Only ctypes: no phav.
_PROBE = r"""
import ctypes, ctypes.util, json
egl = ctypes.CDLL(ctypes.util.find_library("EGL") or "libEGL.so.1")
address = egl.eglGetProcAddress
address.restype, address.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
query_devices = ctypes.CFUNCTYPE(ctypes.c_uint, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p),
                                 ctypes.POINTER(ctypes.c_int))(address(b"eglQueryDevicesEXT"))
query_attrib = ctypes.CFUNCTYPE(ctypes.c_uint, ctypes.c_void_p, ctypes.c_int,
                                ctypes.POINTER(ctypes.c_ssize_t))(address(b"eglQueryDeviceAttribEXT"))
count = ctypes.c_int(0)
if not query_devices(0, None, ctypes.byref(count)):
    raise SystemExit("eglQueryDevicesEXT failed")
devices = (ctypes.c_void_p * max(count.value, 1))()
query_devices(count.value, devices, ctypes.byref(count))
ordinals = []
for k in range(count.value):
    value = ctypes.c_ssize_t(-1)
    ordinals.append(value.value if query_attrib(devices[k], %d, ctypes.byref(value)) and value.value >= 0 else None)
print(json.dumps(ordinals))
""" % EGL_CUDA_DEVICE_NV


@functools.lru_cache(maxsize=1)
def egl_cuda_ordinals() -> tuple[int | None, ...]:
    """For each EGL device, in EGL's order, the CUDA ordinal of its GPU as a process that sees every
    GPU numbers them; ``None`` for a device that is no CUDA GPU (Mesa's software device, say).

    Empty when EGL cannot be asked (no libEGL, no device enumeration). Asked once per process, in a
    child process run without ``CUDA_VISIBLE_DEVICES`` (about 50 ms).
    """
    env = {name: value for name, value in os.environ.items() if name != CUDA_VARIABLE}
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True,
                              timeout=60, check=True)
        found = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return ()
    if not isinstance(found, list):
        return ()
    return tuple(value if isinstance(value, int) else None for value in found)


#: A ``CUDA_VISIBLE_DEVICES`` entry CUDA takes: an index, or a GPU's or MIG instance's UUID name.
_ENTRY = re.compile(r"^(\d+|GPU-[0-9A-Fa-f-]+|MIG-[0-9A-Za-z/-]+)$")


def cuda_visible_gpus(text: str | None) -> list[str] | None:
    """The GPUs a ``CUDA_VISIBLE_DEVICES`` value names, in its order; ``None`` when it is unset.

    As CUDA reads it: entries end at the first one it cannot take (``"-1"``, a typo), so ``""`` and
    ``"-1"`` name none.
    """
    if text is None:
        return None
    gpus: list[str] = []
    for item in text.split(","):
        item = item.strip()
        if not _ENTRY.match(item):
            break
        gpus.append(item)
    return gpus


def egl_devices_for_cuda(gpus: list[str], ordinals: tuple[int | None, ...]) -> tuple[list[int], str | None]:
    """The EGL device indices of the CUDA GPUs ``gpus`` (``CUDA_VISIBLE_DEVICES``'s entries), in
    their order, and a line saying which could not be mapped (``None`` when all were).

    Args:
        gpus: entries as :func:`cuda_visible_gpus` returns them; indices map, UUID names do not.
        ordinals: each EGL device's CUDA ordinal, as :func:`egl_cuda_ordinals` returns them.
    """
    devices: list[int] = []
    unmapped: list[str] = []
    for gpu in gpus:
        matches = [k for k, ordinal in enumerate(ordinals) if gpu.isdigit() and ordinal == int(gpu)]
        if len(matches) == 1:
            devices.append(matches[0])
        else:
            unmapped.append(gpu)
    if not unmapped:
        return devices, None
    known = ", ".join(f"GPU {ordinal} is EGL device {k}" for k, ordinal in enumerate(ordinals) if ordinal is not None)
    return devices, (f"EGL has no one device for GPU {', '.join(unmapped)} (GPUs are named by index here, not by "
                     f"UUID; {known or 'EGL lists no CUDA GPU'})")

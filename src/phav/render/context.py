"""The headless OpenGL context of each rendering thread (DESIGN §4).

Backends: ``egl`` (default; Mesa llvmpipe without a GPU, the vendor driver with one) and ``glfw``
(a hidden window, for machines with a display and for the interactive viewer). Environment:

* ``PHAV_GL=egl|glfw`` chooses the backend.
* ``PHAV_EGL_DEVICE=N`` chooses the EGL device (GPU) index on multi-GPU hosts; a list ``N,M,...``
  gives the dataset's local pool one device per worker in turn (a single process takes the first).
  Unset, the GPUs ``CUDA_VISIBLE_DEVICES`` names (as Slurm and Ray set it) are used, mapped to their
  EGL devices (:mod:`phav.render.egl_devices`); without either, EGL device 0.
* ``__GL_YIELD`` (NVIDIA's driver) defaults to ``USLEEP``: waits for the GPU sleep instead of
  spinning (:func:`sleep_while_waiting_for_the_gpu`); set it to ``NOTHING`` to spin.

:func:`get_context` creates the calling thread's context on first use and returns the same one
afterwards; the renderer and tests share it. A GL context is current on one thread at a time, so a
thread that renders (a data loader's prefetch thread, say) gets a context of its own, kept for the
life of the process; a process that renders from one thread has one context. The ``glfw`` backend
(a window) makes one context, on the first thread that asks. Nothing here renders.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
import warnings
from typing import Any

import moderngl

from phav.errors import PhavError, PhavWarning
from phav.render.egl_devices import CUDA_VARIABLE, cuda_visible_gpus, egl_cuda_ordinals, egl_devices_for_cuda

#: OpenGL version the renderer needs (3.3 core).
MIN_GL_VERSION = 330
#: GL version (``ctx.version_code``) with compute shaders and image load/store.
COMPUTE_GL_VERSION = 430
#: GL versions asked for, in turn, until one is given: 4.6 first (persistently mapped read-back
#: buffers need 4.4, and NVIDIA's driver gives exactly the version asked for), then compute
#: shaders, then the minimum.
REQUESTED_GL_VERSIONS = (460, COMPUTE_GL_VERSION, MIN_GL_VERSION)
BACKENDS = ("egl", "glfw")

_INSTALL_HINT = (
    "install an OpenGL driver with EGL (Debian/Ubuntu: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1; "
    "Fedora: dnf install mesa-libEGL mesa-dri-drivers), or set PHAV_GL=glfw on a machine with a display"
)


class GLUnavailableError(PhavError, RuntimeError):
    """No OpenGL context could be created (no driver, no display for ``glfw``, or ``PHAV_GL`` /
    ``PHAV_EGL_DEVICE`` holding an invalid value); the message says what to install or set. A
    user-facing error: ``phav-render`` prints it on one line, the dataset runner stops on it."""


@dataclasses.dataclass(frozen=True)
class GLInfo:
    """What the driver reports.

    Attributes:
        backend: ``"egl"`` or ``"glfw"``.
        renderer: ``GL_RENDERER`` (e.g. ``llvmpipe (LLVM 15.0.6, 256 bits)``).
        version: ``GL_VERSION`` string.
        vendor: ``GL_VENDOR``.
        version_code: e.g. ``450`` for 4.5.
        has_compute: GL 4.3 compute shaders are available.
        software: the renderer is a CPU rasteriser (llvmpipe, softpipe, swrast).
    """

    backend: str
    renderer: str
    version: str
    vendor: str
    version_code: int
    has_compute: bool
    software: bool


#: ``GL_RENDERER`` substrings (lower case) of software rasterizers.
SOFTWARE_RENDERERS: tuple[str, ...] = ("llvmpipe", "softpipe", "swrast", "software rasterizer")


def is_software_renderer(renderer: str) -> bool:
    """Whether the ``GL_RENDERER`` string ``renderer`` names a software rasterizer."""
    return any(name in renderer.lower() for name in SOFTWARE_RENDERERS)

_thread_context = threading.local()  # .context: the calling thread's context, once made
_contexts: list[moderngl.Context] = []  # every thread's, kept alive (and current) for the process's life
_creation = threading.Lock()
_backend: str | None = None
_glfw_window: Any = None  # keeps the hidden GLFW window alive with its context


def backend_from_env() -> str:
    """The backend named by ``PHAV_GL`` (default ``egl``). Raises :class:`GLUnavailableError` for
    other names."""
    name = os.environ.get("PHAV_GL", "egl").strip().lower() or "egl"
    if name not in BACKENDS:
        raise GLUnavailableError(f"PHAV_GL={name!r} is not a backend; choose one of {', '.join(BACKENDS)}")
    return name


def egl_devices_from_env() -> list[int]:
    """The EGL device indices this process may render on, first choice first: those named by
    ``PHAV_EGL_DEVICE``, one (``"2"``) or a comma-separated list (``"0,1,2,3"``, which the dataset's
    local pool deals out to its workers). Unset, the EGL devices of the GPUs ``CUDA_VISIBLE_DEVICES``
    names, in its order (with a :class:`~phav.errors.PhavWarning`, once, for a GPU EGL does not list:
    a UUID name, say); ``[0]`` when it is unset too, names no GPU, or EGL has no CUDA devices.

    Raises :class:`GLUnavailableError` for a ``PHAV_EGL_DEVICE`` of anything but whole numbers >= 0.
    """
    text = os.environ.get("PHAV_EGL_DEVICE", "").strip()
    if not text:
        return _cuda_visible_egl_devices()
    devices = []
    for item in text.split(","):
        try:
            index = int(item)
        except ValueError:
            raise GLUnavailableError(f"PHAV_EGL_DEVICE={text!r} is not a device index (0, 1, ...) or a "
                                     "comma-separated list of them") from None
        if index < 0:
            raise GLUnavailableError(f"PHAV_EGL_DEVICE={text!r}: device indices must be >= 0")
        devices.append(index)
    return devices


_warned_cuda_mappings: set[str] = set()


def _cuda_visible_egl_devices() -> list[int]:
    text = os.environ.get(CUDA_VARIABLE)
    gpus = cuda_visible_gpus(text)
    if not gpus:
        return [0]
    ordinals = egl_cuda_ordinals()
    if all(ordinal is None for ordinal in ordinals):  # no CUDA devices in EGL (Mesa, other vendors)
        return [0]
    devices, problem = egl_devices_for_cuda(gpus, ordinals)
    devices = devices or [0]
    if problem and text not in _warned_cuda_mappings:
        _warned_cuda_mappings.add(text)
        warnings.warn(f"{CUDA_VARIABLE}={text!r}: {problem}; rendering on EGL device {devices[0]}; set PHAV_EGL_DEVICE "
                      "to the EGL device index to choose", PhavWarning, stacklevel=3)
    return devices


def egl_device_from_env() -> int:
    """The EGL device index this process renders on: the first of :func:`egl_devices_from_env`.
    Raises :class:`GLUnavailableError` as that does."""
    return egl_devices_from_env()[0]


def _create_egl(device: int) -> moderngl.Context:
    # EGL gives exactly the version asked for (NVIDIA's driver answers a 3.3 request with a 3.3
    # context, without compute shaders), so ask for the newest first and settle for less.
    for version in REQUESTED_GL_VERSIONS[:-1]:
        try:
            return moderngl.create_standalone_context(require=version, backend="egl", device_index=device)
        except Exception:  # not this version on this driver: the last attempt reports any real failure
            pass
    return moderngl.create_standalone_context(require=MIN_GL_VERSION, backend="egl", device_index=device)


def _create_glfw() -> moderngl.Context:
    global _glfw_window
    import glfw  # imported only for this backend

    with warnings.catch_warnings():  # GLFW's own report goes into the one-line error below
        warnings.simplefilter("ignore", glfw.GLFWError)
        ready = glfw.init()
    if not ready:
        _, description = glfw.get_error()
        why = description.decode(errors="replace").strip() if description else "no display?"
        raise GLUnavailableError(f"GLFW could not initialise ({why}); use PHAV_GL=egl on headless machines")
    glfw.window_hint(glfw.VISIBLE, glfw.FALSE)
    glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
    glfw.window_hint(glfw.OPENGL_FORWARD_COMPAT, glfw.TRUE)
    window = None
    for version in REQUESTED_GL_VERSIONS:  # the newest first (see there)
        glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, version // 100)
        glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, (version // 10) % 10)
        with warnings.catch_warnings():  # a refused 4.6 or 4.3 request is expected on older drivers
            warnings.simplefilter("ignore", glfw.GLFWError)
            window = glfw.create_window(16, 16, "phav", None, None)
        if window:
            break
    if not window:
        glfw.terminate()
        raise GLUnavailableError(f"GLFW could not create a GL {MIN_GL_VERSION / 100:.1f} window; {_INSTALL_HINT}")
    glfw.make_context_current(window)
    _glfw_window = window
    return moderngl.create_context(require=MIN_GL_VERSION)


#: NVIDIA's driver variable for how a thread waits for the GPU (read when the driver loads).
DRIVER_WAIT_VARIABLE = "__GL_YIELD"


def sleep_while_waiting_for_the_gpu() -> None:
    """Have NVIDIA's driver sleep, not spin, while this process waits for the GPU (read-back, fences):
    ``__GL_YIELD=USLEEP`` unless the environment already sets it. Spinning burns a core per waiting
    process; with 16 dataset workers on a 16-core H200 machine it cost 2.2 ms of CPU per frame
    (render stage 4.9 -> 2.7 ms/frame, dataset 334 -> 358 frames/s; README, Benchmarks). Other
    drivers ignore the variable. Called before the first context is made; child processes inherit it.
    """
    os.environ.setdefault(DRIVER_WAIT_VARIABLE, "USLEEP")


def get_context() -> moderngl.Context:
    """The calling thread's GL context, created on its first call (backend and device from the
    environment) and current on this thread only.

    Raises:
        GLUnavailableError: no context could be created, or ``PHAV_GL`` or ``PHAV_EGL_DEVICE``
            holds an invalid value, or (``glfw``) the window's context belongs to another thread;
            the message says what to install or set.
    """
    ctx = getattr(_thread_context, "context", None)
    if ctx is not None:
        return ctx
    with _creation:
        ctx, device = _create_context()
    _thread_context.context, _thread_context.device = ctx, device
    return ctx


def thread_context_device() -> int | None:
    """The EGL device index the calling thread's context renders on; ``None`` before it has one, or
    for the ``glfw`` backend."""
    if getattr(_thread_context, "context", None) is None:
        return None
    return _thread_context.device


def release_thread_context() -> None:
    """Release the calling thread's context, so that its next :func:`get_context` makes a new one,
    on the device the environment names then (a reused Ray worker given another GPU). Release what
    was made on it first. Does nothing for a thread without one; refused for the ``glfw`` backend's
    one context (its window outlives it)."""
    ctx = getattr(_thread_context, "context", None)
    if ctx is None:
        return
    if _thread_context.device is None:
        raise GLUnavailableError("the glfw backend's context lives as long as its window; it is not released")
    with _creation:
        _contexts.remove(ctx)
    _thread_context.context = _thread_context.device = None
    ctx.release()


def _create_context() -> tuple[moderngl.Context, int | None]:
    """A new context and the EGL device index it renders on (``None`` for ``glfw``)."""
    global _backend
    backend = backend_from_env()
    if backend == "glfw" and _glfw_window is not None:
        raise GLUnavailableError(
            f"the glfw backend's one GL context is current on another thread; render from the thread that first "
            "rendered, or use PHAV_GL=egl (a context per thread)")
    sleep_while_waiting_for_the_gpu()
    device = None if backend == "glfw" else egl_device_from_env()
    try:
        ctx = _create_glfw() if device is None else _create_egl(device)
    except GLUnavailableError:
        raise
    except Exception as exc:  # glcontext raises plain Exception/OSError subclasses; re-raise with advice
        found = re.search(r"requested device index (\d+), but found (\d+) devices", str(exc))
        if backend == "egl" and found and int(found.group(2)) == 0:  # whatever the index: no driver
            raise GLUnavailableError(
                f"cannot create a headless OpenGL {MIN_GL_VERSION / 100:.1f} context via egl: EGL finds no "
                f"device; {_INSTALL_HINT}") from None
        if backend == "egl" and found and int(found.group(1)) >= int(found.group(2)):
            count = int(found.group(2))
            raise GLUnavailableError(
                f"PHAV_EGL_DEVICE={found.group(1)} names no EGL device: EGL finds {count} "
                f"({'0' if count == 1 else f'0..{count - 1}'}); set PHAV_EGL_DEVICE to one of them or unset it") from None
        raise GLUnavailableError(
            f"cannot create a headless OpenGL {MIN_GL_VERSION / 100:.1f} context via {backend} ({exc}); {_INSTALL_HINT}"
        ) from exc
    _contexts.append(ctx)
    _backend = backend
    return ctx, device


def default_framebuffer(ctx: moderngl.Context) -> moderngl.Framebuffer:
    """The context's default framebuffer (GL object 0). Passes bind it again when they finish, so a
    released framebuffer never stays bound (moderngl re-binds ``ctx.fbo`` after creating objects)."""
    return ctx.screen if ctx.screen is not None else ctx.detect_framebuffer(0)


def gl_info(ctx: moderngl.Context | None = None) -> GLInfo:
    """Renderer, version and capabilities of ``ctx`` (default: the process context)."""
    ctx = ctx or get_context()
    info = ctx.info
    renderer = str(info.get("GL_RENDERER", "unknown"))
    return GLInfo(
        backend=_backend or "external",
        renderer=renderer,
        version=str(info.get("GL_VERSION", "unknown")),
        vendor=str(info.get("GL_VENDOR", "unknown")),
        version_code=int(ctx.version_code),
        has_compute=int(ctx.version_code) >= COMPUTE_GL_VERSION,
        software=is_software_renderer(renderer),
    )

"""The GL side of read-back buffers: pixel pack buffers with a usage hint, persistently mapped ones
(GL 4.4), and GL functions moderngl does not wrap, called through its loader
(:mod:`phav.render.readback` explains the kinds)."""

from __future__ import annotations

import ctypes

import moderngl



#: Kinds of pixel buffers (the names of :data:`phav.render.settings.READBACK_USAGES`): name ->
#: ``glBufferData`` usage hint, ``None`` for moderngl's own (``GL_DYNAMIC_DRAW``, as
#: ``ctx.buffer(dynamic=True)`` makes it) and for :data:`PERSISTENT` and :data:`PERSISTENT_VIEWS`
#: (``glBufferStorage``).
PBO_USAGES: dict[str, int | None] = {"dynamic_draw": None, "stream_read": 0x88E1, "persistent": None,
                                     "persistent_views": None}
#: The usage of :data:`PBO_USAGES` whose buffers are mapped persistently (:func:`persistent_pack_buffer`).
PERSISTENT = "persistent"
#: The usage whose frames' arrays view persistently mapped blocks (:mod:`phav.render.readback_blocks`).
PERSISTENT_VIEWS = "persistent_views"
#: The usage every context has (moderngl's buffers), the one error messages suggest.
DEFAULT_PBO_USAGE = "dynamic_draw"
GL_COPY_WRITE_BUFFER = 0x8F37
GL_MAP_READ_BIT, GL_MAP_PERSISTENT_BIT, GL_MAP_COHERENT_BIT, GL_CLIENT_STORAGE_BIT = 0x1, 0x40, 0x80, 0x200
GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT = 0x4000
GL_SYNC_GPU_COMMANDS_COMPLETE, GL_SYNC_FLUSH_COMMANDS_BIT = 0x9117, 0x1
GL_ALREADY_SIGNALED, GL_TIMEOUT_EXPIRED, GL_CONDITION_SATISFIED = 0x911A, 0x911B, 0x911C
FENCE_POLL_NS = 100_000_000  # glClientWaitSync's timeout per call: 0.1 s
#: Seconds :meth:`ReadbackSlot.collect` waits for a persistent slot's fence before it gives up.
FENCE_TIMEOUT_S = 60.0


def check_usage(usage: str) -> None:
    """``ValueError`` unless ``usage`` is a key of :data:`PBO_USAGES`."""
    if usage not in PBO_USAGES:
        raise ValueError(f"unknown pixel buffer usage {usage!r}; choose from {', '.join(PBO_USAGES)}")


def gl_function(ctx: moderngl.Context, name: str, restype, *argtypes):
    """The GL function ``name`` of ``ctx`` as a ctypes function (from the glcontext loader moderngl
    made the context with).

    Raises:
        ValueError: the loader gives no address for it.
    """
    address = ctx.mglo._context.load_opengl_function(name)
    if not address:
        raise ValueError(f"the GL function loader gave no {name}")
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


class PersistentFunctions:
    """The GL 4.4 functions persistent read-back buffers need, loaded once per context."""

    def __init__(self, ctx: moderngl.Context):
        if int(ctx.version_code) < 440:
            raise ValueError(f"persistent read-back buffers need GL 4.4 (glBufferStorage); this context is GL "
                             f"{int(ctx.version_code) // 100}.{int(ctx.version_code) // 10 % 10}: use readback_usage "
                             f"{DEFAULT_PBO_USAGE!r}")
        self.bind = gl_function(ctx, "glBindBuffer", None, ctypes.c_uint, ctypes.c_uint)
        self.storage = gl_function(ctx, "glBufferStorage", None, ctypes.c_uint, ctypes.c_ssize_t, ctypes.c_void_p,
                                    ctypes.c_uint)
        self.map_range = gl_function(ctx, "glMapBufferRange", ctypes.c_void_p, ctypes.c_uint, ctypes.c_ssize_t,
                                      ctypes.c_ssize_t, ctypes.c_uint)
        self.unmap = gl_function(ctx, "glUnmapBuffer", ctypes.c_ubyte, ctypes.c_uint)
        self.fence = gl_function(ctx, "glFenceSync", ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint)
        self.wait = gl_function(ctx, "glClientWaitSync", ctypes.c_uint, ctypes.c_void_p, ctypes.c_uint,
                                 ctypes.c_uint64)
        self.delete_sync = gl_function(ctx, "glDeleteSync", None, ctypes.c_void_p)


def persistent_pack_buffer(ctx: moderngl.Context, nbytes: int,
                           gl: PersistentFunctions | None = None) -> tuple[moderngl.Buffer, int]:
    """A read-back buffer of ``nbytes`` bytes with immutable storage in client memory, mapped for
    reading for as long as it lives (GL 4.4 ``glBufferStorage``: ``GL_MAP_READ_BIT |
    GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT | GL_CLIENT_STORAGE_BIT``), and the address of its
    first byte. Read it only after a fence placed after the GL's writes has signalled; release it
    with :func:`release_persistent`.

    Raises:
        ValueError: the context cannot make or map such a buffer (GL below 4.4).
    """
    gl = gl or PersistentFunctions(ctx)
    buffer = ctx.buffer(reserve=nbytes, dynamic=True)
    flags = GL_MAP_READ_BIT | GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT
    gl.bind(GL_COPY_WRITE_BUFFER, buffer.glo)
    gl.storage(GL_COPY_WRITE_BUFFER, nbytes, None, flags | GL_CLIENT_STORAGE_BIT)
    address = gl.map_range(GL_COPY_WRITE_BUFFER, 0, nbytes, flags)
    gl.bind(GL_COPY_WRITE_BUFFER, 0)
    error = ctx.error
    if error != "GL_NO_ERROR" or not address:
        buffer.release()
        raise ValueError(f"glBufferStorage or the persistent map of a {nbytes}-byte read-back buffer failed "
                         f"({error}); use readback_usage {DEFAULT_PBO_USAGE!r}")
    return buffer, address


def release_persistent(buffer: moderngl.Buffer, gl: PersistentFunctions) -> None:
    """Unmap and release a :func:`persistent_pack_buffer`."""
    gl.bind(GL_COPY_WRITE_BUFFER, buffer.glo)
    gl.unmap(GL_COPY_WRITE_BUFFER)
    gl.bind(GL_COPY_WRITE_BUFFER, 0)
    buffer.release()


def pixel_pack_buffer(ctx: moderngl.Context, nbytes: int, usage: str = DEFAULT_PBO_USAGE) -> moderngl.Buffer:
    """A buffer of ``nbytes`` bytes for read-backs, its data store made with the usage hint ``usage``
    (a key of :data:`PBO_USAGES`). moderngl has no parameter for the hint, so another one is given
    by re-specifying the store (same size) with ``glBufferData``, called through the context's
    function loader.

    Raises:
        ValueError: ``usage`` unknown, or a hint other than moderngl's asked of a context whose
            GL functions cannot be loaded or whose ``glBufferData`` fails.
    """
    check_usage(usage)
    if usage == PERSISTENT:
        raise ValueError("persistent read-back buffers are made by persistent_pack_buffer")
    buffer = ctx.buffer(reserve=nbytes, dynamic=True)
    hint = PBO_USAGES[usage]
    if hint is not None:
        try:
            bind, store = _buffer_functions(ctx)
        except (AttributeError, ValueError) as exc:
            buffer.release()
            raise ValueError(f"pixel buffer usage {usage!r} needs the GL's glBufferData ({exc}); "
                             f"use {DEFAULT_PBO_USAGE!r}") from exc
        bind(GL_COPY_WRITE_BUFFER, buffer.glo)
        store(GL_COPY_WRITE_BUFFER, nbytes, None, hint)
        bind(GL_COPY_WRITE_BUFFER, 0)
        error = ctx.error
        if error != "GL_NO_ERROR":
            buffer.release()
            raise ValueError(f"glBufferData with usage {usage!r} (or a GL call before it) failed ({error}); "
                             f"use {DEFAULT_PBO_USAGE!r}")
    return buffer


def _buffer_functions(ctx: moderngl.Context) -> tuple:
    """``glBindBuffer`` and ``glBufferData`` of ``ctx`` as ctypes functions."""
    return (gl_function(ctx, "glBindBuffer", None, ctypes.c_uint, ctypes.c_uint),
            gl_function(ctx, "glBufferData", None, ctypes.c_uint, ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_uint))


def choose_readback_usage(setting: str, ctx: moderngl.Context) -> str:
    """The pixel buffer usage (a key of :data:`PBO_USAGES`) for ``RenderSettings.readback_usage``
    ``setting`` on ``ctx``: the setting itself, or for ``"auto"``: :data:`PERSISTENT_VIEWS` on Mesa's
    drivers with GL 4.4 (no copy of the frames' bytes; measured there: the no-op driver's CPU per
    ``phav`` frame 0.39-0.41 against 0.55-0.56 ms, ``benchmarks/results/noop-readback-views.txt``;
    llvmpipe within noise, 1.02-1.09x, ``llvmpipe-readback-probe.json``), else
    :data:`DEFAULT_PBO_USAGE` (other drivers until ``python -m benchmarks.readback_probe`` has
    measured them, the speed at which the frames' arrays are read included).

    Raises:
        ValueError: unknown setting.
    """
    if setting != "auto":
        check_usage(setting)
        return setting
    mesa = "Mesa" in str(ctx.info.get("GL_VERSION", ""))
    return PERSISTENT_VIEWS if mesa and int(ctx.version_code) >= 440 else DEFAULT_PBO_USAGE

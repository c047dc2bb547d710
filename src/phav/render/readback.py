"""Asynchronous read-back of render targets through pixel buffer objects (PBOs).

A synchronous ``glReadPixels`` into client memory makes the CPU wait until the GL has finished
every command that writes the target, so the GPU idles while Python copies. Instead, frame N's
targets are read into buffer objects (``GL_PIXEL_PACK_BUFFER``: the call only queues the copy) and
mapped one frame later, after frame N+1's commands have been issued, so the copy overlaps the next
frame's rendering.

    ring = ReadbackRing(ctx)           # two slots: frame N in one, N+1 in the other
    slot = ring.begin()                # frame N
    slot.read("depth", gt.depth, (H, W), np.float32)
    ...                                # issue frame N+1 into ring.begin()
    arrays = slot.collect()            # {"depth": (H, W) float32 array}

Buffers are kept per slot and key and reused while the shape stays the same; :meth:`ReadbackRing.release`
frees them. Their usage hint (:data:`PBO_USAGES`, ``RenderSettings.readback_usage``) is moderngl's
``GL_DYNAMIC_DRAW`` by default;
``GL_STREAM_READ`` asks the driver for memory the CPU reads (NVIDIA's driver is said to keep such
buffers in pinned host memory, which would make the map a plain copy);
``python -m benchmarks.readback_probe`` measures both.

8-bit colour targets are ``RGBA8`` and the frames want ``(H, W, 3)`` RGB: read with ``GL_RGB`` the
driver converts the pixels (Mesa does it on the CPU: about 90 us of a 340x256 frame's CPU time
each, with the no-op driver). :class:`PackedRGB` instead packs the bytes on the GPU into an ``R8UI``
texture ``3W`` texels wide, read back with its own format, a plain copy; on the compute backend the
SSAA resolve writes those bytes itself (:meth:`PackedRGB.resolve_and_read`). On a software rasterizer
the packing pass is CPU work too and cost more than the conversion (llvmpipe, 340x256 ``preview``
with every target: about 5% fewer frames/s), so there the renderer keeps the ``GL_RGB`` read
(:meth:`PackedRGB.wanted`).
"""

from __future__ import annotations

import ctypes
import math

import moderngl
import numpy as np

from phav.render.context import is_software_renderer
from phav.render.post import ALL_BARRIERS, GROUP_SIZE, FullScreenKernel
from phav.render.settings import RenderSettings
from phav.render.shaders import create_compute
from phav.render.targets import GLObjects


#: Usage hints of the pixel buffers (the names of :data:`phav.render.settings.READBACK_USAGES`):
#: name -> ``glBufferData`` usage, ``None`` for moderngl's own (``GL_DYNAMIC_DRAW``, as
#: ``ctx.buffer(dynamic=True)`` makes it).
PBO_USAGES: dict[str, int | None] = {"dynamic_draw": None, "stream_read": 0x88E1}
#: The hint of ``RenderSettings()``.
DEFAULT_PBO_USAGE = RenderSettings.readback_usage
_GL_COPY_WRITE_BUFFER = 0x8F37


def _check_usage(usage: str) -> None:
    """``ValueError`` unless ``usage`` is a key of :data:`PBO_USAGES`."""
    if usage not in PBO_USAGES:
        raise ValueError(f"unknown pixel buffer usage {usage!r}; choose from {', '.join(PBO_USAGES)}")


def pixel_pack_buffer(ctx: moderngl.Context, nbytes: int, usage: str = DEFAULT_PBO_USAGE) -> moderngl.Buffer:
    """A buffer of ``nbytes`` bytes for read-backs, its data store made with the usage hint ``usage``
    (a key of :data:`PBO_USAGES`). moderngl has no parameter for the hint, so another one is given
    by re-specifying the store (same size) with ``glBufferData``, called through the context's
    function loader.

    Raises:
        ValueError: ``usage`` unknown, or a hint other than moderngl's asked of a context whose
            GL functions cannot be loaded or whose ``glBufferData`` fails.
    """
    _check_usage(usage)
    buffer = ctx.buffer(reserve=nbytes, dynamic=True)
    hint = PBO_USAGES[usage]
    if hint is not None:
        try:
            bind, store = _buffer_functions(ctx)
        except (AttributeError, ValueError) as exc:
            buffer.release()
            raise ValueError(f"pixel buffer usage {usage!r} needs the GL's glBufferData ({exc}); "
                             f"use {DEFAULT_PBO_USAGE!r}") from exc
        bind(_GL_COPY_WRITE_BUFFER, buffer.glo)
        store(_GL_COPY_WRITE_BUFFER, nbytes, None, hint)
        bind(_GL_COPY_WRITE_BUFFER, 0)
        error = ctx.error
        if error != "GL_NO_ERROR":
            buffer.release()
            raise ValueError(f"glBufferData with usage {usage!r} (or a GL call before it) failed ({error}); "
                             f"use {DEFAULT_PBO_USAGE!r}")
    return buffer


def _buffer_functions(ctx: moderngl.Context) -> tuple:
    """``glBindBuffer`` and ``glBufferData`` of ``ctx`` as ctypes functions (from the glcontext
    loader moderngl made the context with)."""
    load = ctx.mglo._context.load_opengl_function
    addresses = load("glBindBuffer"), load("glBufferData")
    if not all(addresses):
        raise ValueError("the loader returned no address")
    bind = ctypes.CFUNCTYPE(None, ctypes.c_uint, ctypes.c_uint)(addresses[0])
    store = ctypes.CFUNCTYPE(None, ctypes.c_uint, ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_uint)(addresses[1])
    return bind, store


class ReadbackSlot:
    """The pixel buffers of one frame's read-backs: :meth:`read` queues, :meth:`collect` maps.

    Args:
        ctx: the context.
        usage: usage hint of its buffers (:func:`pixel_pack_buffer`).
    """

    def __init__(self, ctx: moderngl.Context, usage: str = DEFAULT_PBO_USAGE):
        _check_usage(usage)
        self._ctx = ctx
        self.usage = usage
        self._buffers: dict[str, moderngl.Buffer] = {}
        self._pending: dict[str, tuple[tuple[int, ...], np.dtype]] = {}  # key -> (shape, dtype), in queue order

    @property
    def pending(self) -> tuple[str, ...]:
        """Keys queued and not yet collected."""
        return tuple(self._pending)

    def _buffer(self, key: str, nbytes: int) -> moderngl.Buffer:
        buffer = self._buffers.get(key)
        if buffer is None or buffer.size != nbytes:
            if buffer is not None:
                buffer.release()
            buffer = self._buffers[key] = pixel_pack_buffer(self._ctx, nbytes, self.usage)
        return buffer

    def read(self, key: str, source: moderngl.Texture | moderngl.Framebuffer, shape: tuple[int, ...],
             dtype: np.dtype | type, components: int | None = None) -> None:
        """Queue a copy of ``source`` into the buffer of ``key``.

        Args:
            key: name of the array in :meth:`collect`'s result (one read per key and frame).
            source: a texture (read whole, its own format) or a framebuffer (colour attachment 0,
                ``components`` channels of 8-bit unsigned bytes).
            shape, dtype: of the array :meth:`collect` returns (rows first, tightly packed).
            components: channels to read from a framebuffer.

        Raises:
            ValueError: ``key`` already queued in this slot.
        """
        if key in self._pending:
            raise ValueError(f"read-back {key!r} is already queued in this slot; collect() it first")
        dtype = np.dtype(dtype)
        buffer = self._buffer(key, math.prod(shape) * dtype.itemsize)
        if isinstance(source, moderngl.Framebuffer):
            source.read_into(buffer, components=components or 3, alignment=1)
        else:
            source.read_into(buffer, alignment=1)
        self._pending[key] = (tuple(shape), dtype)

    def collect(self) -> dict[str, np.ndarray]:
        """Wait for the queued copies and return them as new arrays (key -> array); the slot is then
        free for the next frame."""
        out = {}
        for key, (shape, dtype) in self._pending.items():
            array = np.empty(shape, dtype=dtype)
            self._buffers[key].read_into(array)
            out[key] = array
        self._pending.clear()
        return out

    def discard(self) -> None:
        """Forget queued copies without reading them (an abandoned frame)."""
        self._pending.clear()

    def release(self) -> None:
        for buffer in self._buffers.values():
            buffer.release()
        self._buffers.clear()
        self._pending.clear()


class ReadbackRing:
    """``slots`` :class:`ReadbackSlot` objects used in turn, one per frame in flight.

    Args:
        ctx: the context the targets live in.
        slots: frames in flight (2: read frame N while frame N+1 renders).
        usage: usage hint of the pixel buffers (a key of :data:`PBO_USAGES`).
    """

    def __init__(self, ctx: moderngl.Context, slots: int = 2, usage: str = DEFAULT_PBO_USAGE):
        if slots < 1:
            raise ValueError(f"a read-back ring needs at least 1 slot, got {slots}")
        self._slots = [ReadbackSlot(ctx, usage) for _ in range(slots)]
        self._next = 0

    def begin(self) -> ReadbackSlot:
        """The slot for the next frame; reads still queued in it (a frame never collected) are
        dropped."""
        slot = self._slots[self._next]
        self._next = (self._next + 1) % len(self._slots)
        slot.discard()
        return slot

    def release(self) -> None:
        """Free every pixel buffer (idempotent)."""
        for slot in self._slots:
            slot.release()


class PackedRGB:
    """Read-back of ``RGBA8`` colour textures as ``(H, W, 3) uint8`` through a packing pass
    (``shaders/pack_rgb.*``, fragment or compute like the post chain) into an ``R8UI`` texture of
    ``3W x H`` texels per key, whose rows are the RGB rows (bytes identical to a ``GL_RGB`` read).

    Args:
        gl: owner of the GL objects made here (released with it).
        ctx: the context.
        width, height: size of the colour textures, pixels (``3 * width`` must not exceed
            ``GL_MAX_TEXTURE_SIZE``: see :meth:`fits`).
        backend: ``"fragment"`` or ``"compute"`` (:func:`phav.render.post.choose_post_backend`).
        keys: the read-back keys it serves (one target each, so a frame's reads never wait on
            each other).
        ssaa: with the compute backend, also build the SSAA resolve with this factor fused with
            the packing (``shaders/resolve_packed.comp``, :meth:`resolve_and_read`); ``None``: no.
    """

    #: Texture unit the packing pass reads the colour texture from.
    SOURCE_UNIT = 0

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, width: int, height: int, backend: str,
                 keys: tuple[str, ...], ssaa: int | None = None):
        if not self.fits(ctx, width):
            raise ValueError(f"{width} pixels wide is too wide to pack (3 x {width} > GL_MAX_TEXTURE_SIZE); "
                             "read with components=3 instead")
        self.width, self.height = width, height
        self._ctx = ctx
        self._kernel = FullScreenKernel(gl, ctx, "pack_rgb", backend)
        self._kernel.set("u_source", self.SOURCE_UNIT)
        self._resolve = None
        if ssaa is not None and backend == "compute":
            self._resolve = gl.add(create_compute(ctx, "resolve_packed.comp", {"SSAA_FACTOR": ssaa}))
            self._resolve["u_source"].value = self.SOURCE_UNIT
        self._targets: dict[str, tuple[moderngl.Texture, moderngl.Framebuffer]] = {}
        for key in keys:
            texture = gl.add(ctx.texture((3 * width, height), 1, dtype="u1"))
            texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
            self._targets[key] = (texture, gl.add(ctx.framebuffer([texture])))

    @staticmethod
    def fits(ctx: moderngl.Context, width: int) -> bool:
        """Whether a ``3 * width`` texel wide packed texture fits this context."""
        return 3 * width <= int(ctx.info["GL_MAX_TEXTURE_SIZE"])

    @staticmethod
    def wanted(ctx: moderngl.Context, width: int) -> bool:
        """Whether to pack here: the texture :meth:`fits` and the GL is not a software rasterizer
        (:func:`phav.render.context.is_software_renderer`; see the module docstring)."""
        return PackedRGB.fits(ctx, width) and not is_software_renderer(str(ctx.info.get("GL_RENDERER", "")))

    @property
    def resolves(self) -> bool:
        """Whether :meth:`resolve_and_read` is available (compute backend, built with ``ssaa``)."""
        return self._resolve is not None

    def resolve_and_read(self, slot: ReadbackSlot, key: str, source: moderngl.Texture,
                         target: moderngl.Texture) -> None:
        """Resolve the supersampled ``source`` into the ``RGBA8`` ``target`` (output size) as
        :meth:`phav.render.post.PostChain.resolve` does, pack its bytes into ``key``'s target in
        the same dispatch, and queue the read-back into ``slot`` as ``key``: ``(H, W, 3) uint8``,
        the bytes :meth:`read` of ``target`` gives. Leaves ``source`` bound to :attr:`SOURCE_UNIT`.

        Raises:
            RuntimeError: not :attr:`resolves`.
        """
        if self._resolve is None:
            raise RuntimeError("this PackedRGB has no fused resolve (compute backend and ssaa needed)")
        packed = self._targets[key][0]
        source.use(location=self.SOURCE_UNIT)
        target.bind_to_image(0, read=True, write=True)
        packed.bind_to_image(1, read=False, write=True)
        self._resolve.run(-(-self.width // GROUP_SIZE), -(-self.height // GROUP_SIZE))
        self._ctx.memory_barrier(ALL_BARRIERS)
        slot.read(key, packed, (self.height, self.width, 3), np.uint8)

    def read(self, slot: ReadbackSlot, key: str, source: moderngl.Texture) -> None:
        """Pack ``source`` (``RGBA8``, ``width x height``) into ``key``'s target and queue its
        read-back into ``slot`` as ``key``: ``(H, W, 3) uint8``. Leaves ``source`` bound to
        :attr:`SOURCE_UNIT`."""
        texture, fbo = self._targets[key]
        source.use(location=self.SOURCE_UNIT)
        self._kernel.draw(texture, fbo)
        slot.read(key, texture, (self.height, self.width, 3), np.uint8)

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
frees them.

8-bit colour targets are ``RGBA8`` and the frames want ``(H, W, 3)`` RGB: read with ``GL_RGB`` the
driver converts the pixels (Mesa does it on the CPU: about 90 us of a 340x256 frame's CPU time
each, with the no-op driver). :class:`PackedRGB` instead packs the bytes on the GPU into an ``R8UI``
texture ``3W`` texels wide, read back with its own format, a plain copy. On a software rasterizer
the packing pass is CPU work too and cost more than the conversion (llvmpipe, 340x256 ``preview``
with every target: about 5% fewer frames/s), so there the renderer keeps the ``GL_RGB`` read
(:meth:`PackedRGB.wanted`).
"""

from __future__ import annotations

import math

import moderngl
import numpy as np

from phav.render.context import is_software_renderer
from phav.render.post import FullScreenKernel
from phav.render.readback_compute import ComputeReadback, source_format
from phav.render.targets import GLObjects

#: ``GL_BUFFER_UPDATE_BARRIER_BIT``: shader writes to a buffer become visible to later copies and
#: maps of it.
BUFFER_UPDATE_BARRIER = 0x200
#: Compute-written read-backs go to a staging buffer first, copied into the mapped buffer at
#: :meth:`ReadbackSlot.finish` (``True``), or straight into the mapped buffer (``False``). A buffer
#: that shaders write may live in video memory, where mapping it for reading waits for the driver to
#: copy it out; a buffer only copied into and mapped is one the driver can keep in system memory.
STAGE_COMPUTE_WRITES = True


class ReadbackSlot:
    """The pixel buffers of one frame's read-backs: :meth:`read` queues, :meth:`collect` maps."""

    def __init__(self, ctx: moderngl.Context, compute: ComputeReadback | None = None):
        self._ctx = ctx
        self._compute = compute
        self._buffers: dict[str, moderngl.Buffer] = {}
        self._pending: dict[str, tuple[tuple[int, ...], np.dtype]] = {}  # key -> (shape, dtype), in queue order
        self._staging: dict[str, moderngl.Buffer] = {}  # compute-written keys' staging buffers
        self._unstaged: list[str] = []  # keys written to staging this frame, not yet copied (finish())
        self._shader_written = False  # a key was written straight into its buffer by a compute shader

    @property
    def pending(self) -> tuple[str, ...]:
        """Keys queued and not yet collected."""
        return tuple(self._pending)

    def _buffer(self, key: str, nbytes: int, buffers: dict[str, moderngl.Buffer] | None = None) -> moderngl.Buffer:
        """The buffer of ``key`` in ``buffers`` (default: the mapped ones), ``nbytes`` rounded up to
        whole 4-byte words (a compute shader writes words)."""
        buffers = self._buffers if buffers is None else buffers
        size = -(-nbytes // 4) * 4
        buffer = buffers.get(key)
        if buffer is None or buffer.size != size:
            if buffer is not None:
                buffer.release()
            buffer = buffers[key] = self._ctx.buffer(reserve=size, dynamic=buffers is self._buffers)
        return buffer

    def read(self, key: str, source: moderngl.Texture | moderngl.Framebuffer, shape: tuple[int, ...],
             dtype: np.dtype | type, components: int | None = None) -> None:
        """Queue a copy of ``source`` into the buffer of ``key``.

        Args:
            key: name of the array in :meth:`collect`'s result (one read per key and frame).
            source: a texture (read whole, its own format; with a :class:`ComputeReadback`, a
                format it knows is written into the buffer by a compute shader, an ``RGBA8``
                texture then also as ``(H, W, 3)`` RGB bytes) or a framebuffer (colour attachment
                0, ``components`` channels of 8-bit unsigned bytes).
            shape, dtype: of the array :meth:`collect` returns (rows first, tightly packed).
            components: channels to read from a framebuffer.

        Raises:
            ValueError: ``key`` already queued in this slot.
        """
        if key in self._pending:
            raise ValueError(f"read-back {key!r} is already queued in this slot; collect() it first")
        dtype = np.dtype(dtype)
        nbytes = math.prod(shape) * dtype.itemsize
        buffer = self._buffer(key, nbytes)
        fmt = (source_format(source, tuple(shape), dtype)
               if self._compute is not None and isinstance(source, moderngl.Texture) else None)
        if fmt is not None and STAGE_COMPUTE_WRITES:
            self._compute.write(fmt, source, self._buffer(key, nbytes, self._staging), nbytes)
            self._unstaged.append(key)
        elif fmt is not None:
            self._compute.write(fmt, source, buffer, nbytes)
            self._shader_written = True
        elif isinstance(source, moderngl.Framebuffer):
            source.read_into(buffer, components=components or 3, alignment=1)
        else:
            source.read_into(buffer, alignment=1)
        self._pending[key] = (tuple(shape), dtype)

    def finish(self) -> None:
        """Queue the copies of this frame's compute-written read-backs from their staging buffers
        into the buffers :meth:`collect` maps (after one barrier): call once the frame's reads are
        queued, so the copies run with the frame's work rather than when the slot is collected."""
        if not self._unstaged:
            return
        self._ctx.memory_barrier(BUFFER_UPDATE_BARRIER)
        for key in self._unstaged:
            buffer = self._buffers[key]
            self._ctx.copy_buffer(buffer, self._staging[key], buffer.size)
        self._unstaged.clear()

    def collect(self) -> dict[str, np.ndarray]:
        """Wait for the queued copies and return them as new arrays (key -> array); the slot is then
        free for the next frame. (Calls :meth:`finish` if the frame did not.)"""
        self.finish()
        if self._shader_written:
            self._ctx.memory_barrier(BUFFER_UPDATE_BARRIER)
            self._shader_written = False
        out = {}
        for key, (shape, dtype) in self._pending.items():
            array = np.empty(shape, dtype=dtype)
            self._buffers[key].read_into(array, size=array.nbytes)
            out[key] = array
        self._pending.clear()
        return out

    def discard(self) -> None:
        """Forget queued copies without reading them (an abandoned frame)."""
        self._pending.clear()
        self._unstaged.clear()
        self._shader_written = False

    def release(self) -> None:
        for buffer in (*self._buffers.values(), *self._staging.values()):
            buffer.release()
        self._buffers.clear()
        self._staging.clear()
        self._pending.clear()
        self._unstaged.clear()


class ReadbackRing:
    """``slots`` :class:`ReadbackSlot` objects used in turn, one per frame in flight.

    Args:
        ctx: the context the targets live in.
        slots: frames in flight (2: read frame N while frame N+1 renders).
        compute: where given, textures are written into the buffers by compute shaders
            (:mod:`phav.render.readback_compute`; GL 4.3).
    """

    def __init__(self, ctx: moderngl.Context, slots: int = 2, compute: ComputeReadback | None = None):
        if slots < 1:
            raise ValueError(f"a read-back ring needs at least 1 slot, got {slots}")
        self._slots = [ReadbackSlot(ctx, compute) for _ in range(slots)]
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
    """

    #: Texture unit the packing pass reads the colour texture from.
    SOURCE_UNIT = 0

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, width: int, height: int, backend: str,
                 keys: tuple[str, ...]):
        if not self.fits(ctx, width):
            raise ValueError(f"{width} pixels wide is too wide to pack (3 x {width} > GL_MAX_TEXTURE_SIZE); "
                             "read with components=3 instead")
        self.width, self.height = width, height
        self._kernel = FullScreenKernel(gl, ctx, "pack_rgb", backend)
        self._kernel.set("u_source", self.SOURCE_UNIT)
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

    def read(self, slot: ReadbackSlot, key: str, source: moderngl.Texture) -> None:
        """Pack ``source`` (``RGBA8``, ``width x height``) into ``key``'s target and queue its
        read-back into ``slot`` as ``key``: ``(H, W, 3) uint8``. Leaves ``source`` bound to
        :attr:`SOURCE_UNIT`."""
        texture, fbo = self._targets[key]
        source.use(location=self.SOURCE_UNIT)
        self._kernel.draw(texture, fbo)
        slot.read(key, texture, (self.height, self.width, 3), np.uint8)

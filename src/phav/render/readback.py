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
buffers in pinned host memory, which would make the map a plain copy). ``"persistent"`` (GL 4.4)
gives each buffer immutable storage in client memory (``glBufferStorage`` with
``GL_CLIENT_STORAGE_BIT``), mapped once for good (``GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT``):
a frame's slot gets a fence after its copies are queued (:meth:`ReadbackRing.begin` of the next
frame seals it), and :meth:`ReadbackSlot.collect` waits for the fence and copies from the mapped
memory, with no map or unmap call. ``"persistent_views"`` reads a frame's targets into one such
buffer (a block of :mod:`phav.render.readback_blocks`) and returns views of it instead of copies;
``"auto"`` (``RenderSettings()``) picks it where it was measured faster
(:func:`phav.render.readback_gl.choose_readback_usage`). ``python -m benchmarks.readback_probe``
measures them all.
"""

from __future__ import annotations

import ctypes
import math

import moderngl
import numpy as np

from phav.render.readback_blocks import BlockPool, MappedBlock
from phav.render.readback_gl import (DEFAULT_PBO_USAGE, FENCE_TIMEOUT_S, PBO_USAGES, PERSISTENT, PERSISTENT_VIEWS,
                                     PersistentFunctions, check_usage, gl_function, persistent_pack_buffer, pixel_pack_buffer,
                                     release_persistent)
from phav.render.readback_gl import (FENCE_POLL_NS, GL_ALREADY_SIGNALED, GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT,
                                     GL_CONDITION_SATISFIED, GL_SYNC_FLUSH_COMMANDS_BIT, GL_SYNC_GPU_COMMANDS_COMPLETE,
                                     GL_TIMEOUT_EXPIRED)

__all__ = ["DEFAULT_PBO_USAGE", "FENCE_TIMEOUT_S", "PBO_USAGES", "PERSISTENT", "PERSISTENT_VIEWS", "ReadbackRing",
           "ReadbackSlot", "gl_function", "persistent_pack_buffer", "pixel_pack_buffer", "release_persistent"]
#: Byte alignment of each read's offset in a frame's block (a multiple of every pixel type's size).
BLOCK_ALIGNMENT = 256


class ReadbackSlot:
    """The pixel buffers of one frame's read-backs: :meth:`read` queues, :meth:`collect` maps (or,
    for persistent buffers, waits for the fence :meth:`seal` placed and copies; for
    ``"persistent_views"``, waits and returns views of the frame's block).

    Args:
        ctx: the context.
        usage: usage hint of its buffers (:func:`pixel_pack_buffer`, or ``"persistent"`` and
            ``"persistent_views"``: :func:`persistent_pack_buffer`; raises ``ValueError`` below GL 4.4).
        persistent_functions: the GL functions persistent buffers need, loaded already (a ring's
            slots share them).
        blocks: ``"persistent_views"``: the pool of blocks the frames' arrays view (a ring's slots
            share it; made for the slot if ``None``).
    """

    def __init__(self, ctx: moderngl.Context, usage: str = DEFAULT_PBO_USAGE,
                 persistent_functions: PersistentFunctions | None = None, blocks: BlockPool | None = None):
        check_usage(usage)
        self._ctx = ctx
        self.usage = usage
        self._buffers: dict[str, moderngl.Buffer] = {}
        # key -> (shape, dtype, offset in the frame's block or None: the key's own buffer), in queue order
        self._pending: dict[str, tuple[tuple[int, ...], np.dtype, int | None]] = {}
        # Persistent buffers: their mapped bytes (uint8 views), the GL functions, the fence after the queued copies.
        self._mapped: dict[str, np.ndarray] = {}
        persistent = usage in (PERSISTENT, PERSISTENT_VIEWS)
        self._gl = (persistent_functions or PersistentFunctions(ctx)) if persistent else None
        self._fence: int | None = None
        # "persistent_views": the pool, the frame's block and its first unused byte, and the bytes
        # the last collected frame read (the size of the next frame's block; 0: copy, as "persistent").
        self._own_blocks = usage == PERSISTENT_VIEWS and blocks is None  # released with the slot
        self._blocks = (blocks or BlockPool(ctx, self._gl)) if usage == PERSISTENT_VIEWS else None
        self._block: MappedBlock | None = None
        self._block_end = 0
        self._frame_bytes = 0

    @property
    def pending(self) -> tuple[str, ...]:
        """Keys queued and not yet collected."""
        return tuple(self._pending)

    def _buffer(self, key: str, nbytes: int) -> moderngl.Buffer:
        buffer = self._buffers.get(key)
        if buffer is None or buffer.size != nbytes:
            if buffer is not None:
                self._release_buffer(key)
            if self._gl is not None:
                buffer, address = persistent_pack_buffer(self._ctx, nbytes, self._gl)
                self._mapped[key] = np.frombuffer((ctypes.c_char * nbytes).from_address(address), np.uint8)
            else:
                buffer = pixel_pack_buffer(self._ctx, nbytes, self.usage)
            self._buffers[key] = buffer
        return buffer

    def _release_buffer(self, key: str) -> None:
        buffer = self._buffers.pop(key)
        if self._gl is not None:
            del self._mapped[key]  # no view of the mapping outlives it
            release_persistent(buffer, self._gl)
        else:
            buffer.release()

    def _place(self, nbytes: int) -> int | None:
        """``"persistent_views"``: the offset of the next ``nbytes`` bytes in the frame's block (the
        frame's first read takes a block of the last frame's size from the pool); ``None``: no
        block or no room left in it (the read goes to a buffer of its own and is copied)."""
        if self._blocks is None:
            return None
        if self._block is None and not self._pending and self._frame_bytes:
            self._block, self._block_end = self._blocks.take(self._frame_bytes), 0
        if self._block is None or self._block_end + nbytes > self._block.nbytes:
            return None
        offset = self._block_end
        self._block_end += _aligned(nbytes)
        return offset

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
        if self._fence is not None:
            raise RuntimeError("this slot is sealed (its frame is over); collect() it first")
        dtype = np.dtype(dtype)
        nbytes = math.prod(shape) * dtype.itemsize
        offset = self._place(nbytes)
        buffer = self._buffer(key, nbytes) if offset is None else self._block.buffer
        if isinstance(source, moderngl.Framebuffer):
            source.read_into(buffer, components=components or 3, alignment=1, write_offset=offset or 0)
        else:
            source.read_into(buffer, alignment=1, write_offset=offset or 0)
        self._pending[key] = (tuple(shape), dtype, offset)

    def seal(self) -> None:
        """Persistent buffers: place the fence :meth:`collect` waits for after the copies queued so
        far (the frame's last; :meth:`ReadbackRing.begin` seals the previous slot). Mapped buffers
        need none; a slot with nothing queued or sealed already is left as it is."""
        if self._gl is None or self._fence is not None or not self._pending:
            return
        self._ctx.memory_barrier(GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT)
        self._fence = self._gl.fence(GL_SYNC_GPU_COMMANDS_COMPLETE, 0)

    def collect(self) -> dict[str, np.ndarray]:
        """Wait for the queued copies and return them as arrays (key -> array); the slot is then
        free for the next frame. The arrays are new, or with ``"persistent_views"`` views of the
        frame's block (:mod:`phav.render.readback_blocks`: holding one keeps the block from reuse).

        Raises:
            RuntimeError: a persistent slot's fence did not signal within :data:`FENCE_TIMEOUT_S`.
        """
        out = {}
        if self._gl is not None:
            self.seal()
            self._wait_fence()
        holder = self._block.hand_out() if self._block is not None else None
        copied = 0
        for key, (shape, dtype, offset) in self._pending.items():
            if offset is not None:
                out[key] = np.frombuffer(holder, dtype, math.prod(shape), offset).reshape(shape)
                continue
            copied += 1
            array = out[key] = np.empty(shape, dtype=dtype)
            if self._gl is not None:
                np.copyto(array.reshape(-1).view(np.uint8), self._mapped[key])
            else:
                self._buffers[key].read_into(array)
        if self._blocks is not None and self._pending:
            # The next frame's block holds this frame's reads; once a frame's reads all went into
            # a block, the slot's own buffers (its first frame's, reads that did not fit) can go.
            self._frame_bytes = sum(_aligned(a.nbytes) for a in out.values())
            if not copied:
                for key in list(self._buffers):
                    self._release_buffer(key)
        self._block = None
        self._pending.clear()
        return out

    def _wait_fence(self) -> None:
        fence, self._fence = self._fence, None
        if fence is None:
            return
        try:
            for _ in range(int(FENCE_TIMEOUT_S * 1e9 / FENCE_POLL_NS)):
                status = self._gl.wait(fence, GL_SYNC_FLUSH_COMMANDS_BIT, FENCE_POLL_NS)
                if status in (GL_ALREADY_SIGNALED, GL_CONDITION_SATISFIED):
                    return
                if status != GL_TIMEOUT_EXPIRED:
                    raise RuntimeError(f"glClientWaitSync on a frame's read-backs failed ({self._ctx.error})")
            raise RuntimeError(f"the GL did not finish a frame's read-backs within {FENCE_TIMEOUT_S:.0f} s")
        finally:
            self._gl.delete_sync(fence)

    def discard(self) -> None:
        """Forget queued copies without reading them (an abandoned frame)."""
        self._pending.clear()
        if self._block is not None:  # no array views it: free for another frame
            self._block.reserved = False
            self._block = None
        if self._fence is not None:
            self._gl.delete_sync(self._fence)
            self._fence = None

    def release(self) -> None:
        """Free the slot's own buffers, and the pool of blocks it made (a ring's pool goes with the
        ring: :meth:`ReadbackRing.release`)."""
        self.discard()
        for key in list(self._buffers):
            self._release_buffer(key)
        if self._own_blocks:
            self._blocks.release()


def _aligned(nbytes: int) -> int:
    """``nbytes`` rounded up to :data:`BLOCK_ALIGNMENT`."""
    return -(-nbytes // BLOCK_ALIGNMENT) * BLOCK_ALIGNMENT


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
        check_usage(usage)
        functions = PersistentFunctions(ctx) if usage in (PERSISTENT, PERSISTENT_VIEWS) else None
        self._blocks = BlockPool(ctx, functions) if usage == PERSISTENT_VIEWS else None
        self._slots = [ReadbackSlot(ctx, usage, functions, self._blocks) for _ in range(slots)]
        self._next = 0

    def begin(self) -> ReadbackSlot:
        """The slot for the next frame; reads still queued in it (a frame never collected) are
        dropped. The previous slot is sealed (:meth:`ReadbackSlot.seal`): its frame is over."""
        self._slots[self._next - 1].seal()
        slot = self._slots[self._next]
        self._next = (self._next + 1) % len(self._slots)
        slot.discard()
        return slot

    def release(self) -> None:
        """Free every pixel buffer (idempotent)."""
        for slot in self._slots:
            slot.release()
        if self._blocks is not None:
            self._blocks.release()

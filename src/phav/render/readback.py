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
"""

from __future__ import annotations

import math

import moderngl
import numpy as np


class ReadbackSlot:
    """The pixel buffers of one frame's read-backs: :meth:`read` queues, :meth:`collect` maps."""

    def __init__(self, ctx: moderngl.Context):
        self._ctx = ctx
        self._buffers: dict[str, moderngl.Buffer] = {}
        self._pending: list[tuple[str, tuple[int, ...], np.dtype]] = []

    @property
    def pending(self) -> tuple[str, ...]:
        """Keys queued and not yet collected."""
        return tuple(key for key, _, _ in self._pending)

    def _buffer(self, key: str, nbytes: int) -> moderngl.Buffer:
        buffer = self._buffers.get(key)
        if buffer is None or buffer.size != nbytes:
            if buffer is not None:
                buffer.release()
            buffer = self._buffers[key] = self._ctx.buffer(reserve=nbytes, dynamic=True)
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
        if key in self.pending:
            raise ValueError(f"read-back {key!r} is already queued in this slot; collect() it first")
        dtype = np.dtype(dtype)
        buffer = self._buffer(key, math.prod(shape) * dtype.itemsize)
        if isinstance(source, moderngl.Framebuffer):
            source.read_into(buffer, components=components or 3, alignment=1)
        else:
            source.read_into(buffer, alignment=1)
        self._pending.append((key, tuple(shape), dtype))

    def collect(self) -> dict[str, np.ndarray]:
        """Wait for the queued copies and return them as new arrays (key -> array); the slot is then
        free for the next frame."""
        out = {}
        for key, shape, dtype in self._pending:
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
    """

    def __init__(self, ctx: moderngl.Context, slots: int = 2):
        if slots < 1:
            raise ValueError(f"a read-back ring needs at least 1 slot, got {slots}")
        self._slots = [ReadbackSlot(ctx) for _ in range(slots)]
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

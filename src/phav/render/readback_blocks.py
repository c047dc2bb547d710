"""Blocks of persistently mapped client memory that frames' arrays view: read-back without a copy.

With ``RenderSettings.readback_usage = "persistent_views"`` (GL 4.4) a frame's targets are read
into one block, each at its own offset (from a slot's second frame on: the first tells the size),
and once the frame's fence has signalled its arrays are views of the block's mapping: no byte is copied on the CPU (with every target of a 340x256 frame,
1.9 MB a frame less; the copy took about 0.24 ms of the H200's frame). A block is used again only
when no array views it any more (the views hold a reference to the block's ``holder``, counted
with ``sys.getrefcount``), so arrays stay valid for as long as they are held, the renderer closed
or not; a pool therefore holds at most :data:`POOL_BYTES` bytes of blocks (client memory the
driver may pin), and frames beyond that are copied as with ``"persistent"``.

    pool = BlockPool(ctx)
    block = pool.take(nbytes)           # None: the pool is full of blocks still viewed
    ...                                 # the GL writes into block.buffer, a fence signals
    holder = block.hand_out()           # arrays: np.frombuffer(holder, dtype, count, offset)
    pool.release()                      # frees the blocks no array views; the others when they are not
"""

from __future__ import annotations

import ctypes
import sys

import moderngl

from phav.render.readback_gl import PersistentFunctions, persistent_pack_buffer, release_persistent

#: Most bytes of blocks one pool keeps (beyond them, frames are copied out of the slot's own buffers).
POOL_BYTES = 1 << 30


class MappedBlock:
    """A persistently mapped buffer of ``nbytes`` bytes at ``address``; ``reserved`` while a frame
    reads into it, ``viewed`` while an array from :meth:`hand_out` lives."""

    def __init__(self, buffer: moderngl.Buffer, address: int, nbytes: int):
        self.buffer, self.address, self.nbytes = buffer, address, nbytes
        self.reserved = False
        self._holder: ctypes.Array | None = None

    @property
    def viewed(self) -> bool:
        """Some array made from the last :meth:`hand_out` still lives (CPython reference count:
        this block's own reference and ``getrefcount``'s argument are the two expected)."""
        return self._holder is not None and sys.getrefcount(self._holder) > 2

    @property
    def free(self) -> bool:
        return not self.reserved and not self.viewed

    def hand_out(self) -> ctypes.Array:
        """A new object exposing the block's bytes (``ctypes.c_char`` array) for arrays to view
        (``np.frombuffer``); the block is :attr:`viewed` while any of them lives. Ends the reservation."""
        self._holder = (ctypes.c_char * self.nbytes).from_address(self.address)
        self.reserved = False
        return self._holder


class BlockPool:
    """The :class:`MappedBlock` objects of a read-back ring.

    Args:
        ctx: the context (GL 4.4).
        functions: its persistent-buffer functions, loaded already.
        max_bytes: most bytes of blocks held at once.
    """

    def __init__(self, ctx: moderngl.Context, functions: PersistentFunctions, max_bytes: int = POOL_BYTES):
        self._ctx, self._gl, self.max_bytes = ctx, functions, max_bytes
        self._blocks: list[MappedBlock] = []

    @property
    def blocks(self) -> tuple[MappedBlock, ...]:
        return tuple(self._blocks)

    def take(self, nbytes: int) -> MappedBlock | None:
        """A free block of ``nbytes`` bytes, reserved for a frame (a new one if none is free and
        the pool has room; free blocks of another size are released first); ``None`` when the pool
        is full of blocks in use."""
        for block in self._blocks:
            if block.nbytes == nbytes and block.free:
                block.reserved = True
                return block
        for block in [b for b in self._blocks if b.nbytes != nbytes and b.free]:
            self._release(block)
        if sum(b.nbytes for b in self._blocks) + nbytes > self.max_bytes:
            return None
        block = MappedBlock(*persistent_pack_buffer(self._ctx, nbytes, self._gl), nbytes)
        block.reserved = True
        self._blocks.append(block)
        return block

    def _release(self, block: MappedBlock) -> None:
        self._blocks.remove(block)
        release_persistent(block.buffer, self._gl)

    def release(self) -> None:
        """Release every block no array views; the ones still viewed are kept (their arrays stay
        valid) and released by a later :meth:`release` or :func:`release_orphans` once free."""
        for block in list(self._blocks):
            if not block.viewed:
                self._release(block)
        _orphans.extend((self._ctx, block, self._gl) for block in self._blocks)
        self._blocks.clear()
        release_orphans(self._ctx)


#: Blocks of released pools that arrays still viewed: (context, block, the context's functions).
_orphans: list[tuple[moderngl.Context, MappedBlock, PersistentFunctions]] = []


def release_orphans(ctx: moderngl.Context) -> int:
    """Release the blocks of ``ctx``'s released pools that no array views any more (each pool's
    :meth:`~BlockPool.release` calls it; call on the thread whose context ``ctx`` is); returns how
    many of ``ctx``'s blocks are still viewed."""
    for entry in [e for e in _orphans if e[0] is ctx]:
        if not entry[1].viewed:
            _orphans.remove(entry)
            release_persistent(entry[1].buffer, entry[2])
    return sum(1 for e in _orphans if e[0] is ctx)

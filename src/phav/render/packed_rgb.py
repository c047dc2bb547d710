"""Read-back of ``RGBA8`` colour targets as ``(H, W, 3)`` RGB bytes, packed on the GPU.

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

import moderngl
import numpy as np

from phav.render.context import is_software_renderer
from phav.render.post import ALL_BARRIERS, GROUP_SIZE, FullScreenKernel
from phav.render.readback import ReadbackSlot
from phav.render.shaders import create_compute
from phav.render.targets import GLObjects


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
            the packing (``shaders/resolve_packed.comp``, :meth:`resolve_and_read`, and for two
            sources in one dispatch :meth:`resolve_pair_and_read`); ``None``: no.
    """

    #: Texture unit the packing pass reads the colour texture from.
    SOURCE_UNIT = 0
    #: Texture unit of the second source of :meth:`resolve_pair_and_read`.
    SECOND_SOURCE_UNIT = 9

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, width: int, height: int, backend: str,
                 keys: tuple[str, ...], ssaa: int | None = None):
        if not self.fits(ctx, width):
            raise ValueError(f"{width} pixels wide is too wide to pack (3 x {width} > GL_MAX_TEXTURE_SIZE); "
                             "read with components=3 instead")
        self.width, self.height = width, height
        self._ctx = ctx
        self._kernel = FullScreenKernel(gl, ctx, "pack_rgb", backend)
        self._kernel.set("u_source", self.SOURCE_UNIT)
        self._resolve = self._resolve_pair = None
        if ssaa is not None and backend == "compute":
            self._resolve = gl.add(create_compute(ctx, "resolve_packed.comp", {"SSAA_FACTOR": ssaa}))
            self._resolve["u_source"].value = self.SOURCE_UNIT
            if len(keys) > 1:
                self._resolve_pair = gl.add(create_compute(ctx, "resolve_packed.comp", {"SSAA_FACTOR": ssaa, "PAIR": 1}))
                self._resolve_pair["u_source"].value = self.SOURCE_UNIT
                self._resolve_pair["u_source2"].value = self.SECOND_SOURCE_UNIT
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

    @property
    def resolves_pairs(self) -> bool:
        """Whether :meth:`resolve_pair_and_read` is available (:attr:`resolves`, two keys or more)."""
        return self._resolve_pair is not None

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
        self._resolve_packed(self._resolve, slot, [(key, source, target)])

    def resolve_pair_and_read(self, slot: ReadbackSlot, first: tuple[str, moderngl.Texture, moderngl.Texture],
                              second: tuple[str, moderngl.Texture, moderngl.Texture]) -> None:
        """:meth:`resolve_and_read` of two ``(key, source, target)`` in one dispatch (the same
        bytes: each invocation resolves, stores, loads back and packs one pixel of each), their
        read-backs queued in that order. Leaves the sources bound to :attr:`SOURCE_UNIT` and
        :attr:`SECOND_SOURCE_UNIT`.

        Raises:
            RuntimeError: not :attr:`resolves`, or built with a single key.
        """
        if self._resolve_pair is None:
            raise RuntimeError("this PackedRGB has no paired resolve (compute backend, ssaa and two keys needed)")
        self._resolve_packed(self._resolve_pair, slot, [first, second])

    def _resolve_packed(self, program: moderngl.ComputeShader, slot: ReadbackSlot,
                        jobs: list[tuple[str, moderngl.Texture, moderngl.Texture]]) -> None:
        """Bind each ``(key, source, target)`` of ``jobs`` (source ``k`` to texture unit
        :attr:`SOURCE_UNIT` or :attr:`SECOND_SOURCE_UNIT`, its target and packed texture to images
        ``2k`` and ``2k + 1``), run ``shaders/resolve_packed.comp`` once and queue the read-backs."""
        for k, (key, source, target) in enumerate(jobs):
            source.use(location=(self.SOURCE_UNIT, self.SECOND_SOURCE_UNIT)[k])
            target.bind_to_image(2 * k, read=True, write=True)
            self._targets[key][0].bind_to_image(2 * k + 1, read=False, write=True)
        program.run(-(-self.width // GROUP_SIZE), -(-self.height // GROUP_SIZE))
        self._ctx.memory_barrier(ALL_BARRIERS)
        for key, _, _ in jobs:
            slot.read(key, self._targets[key][0], (self.height, self.width, 3), np.uint8)

    def read(self, slot: ReadbackSlot, key: str, source: moderngl.Texture) -> None:
        """Pack ``source`` (``RGBA8``, ``width x height``) into ``key``'s target and queue its
        read-back into ``slot`` as ``key``: ``(H, W, 3) uint8``. Leaves ``source`` bound to
        :attr:`SOURCE_UNIT`."""
        texture, fbo = self._targets[key]
        source.use(location=self.SOURCE_UNIT)
        self._kernel.draw(texture, fbo)
        slot.read(key, texture, (self.height, self.width, 3), np.uint8)

"""Read-backs written by compute shaders straight into the pixel buffers (GL 4.3, the compute
backend): no texture-to-buffer copy in the driver.

:class:`ReadbackSlot.read <phav.render.readback.ReadbackSlot.read>` queues a copy of a texture into
a pixel buffer object, which the driver runs through its pixel-transfer path. On an H200 that path
runs on the GPU's few graphics units: a frame's five ground-truth read-backs took about 80 us of GPU
time (the ``read_ground_truth`` pass timer, 0.09 ms with the flow validity pass), where a compute
shader moves the same bytes in a few. :class:`ComputeReadback` instead runs
``shaders/readback_words.comp`` over the target with the slot's buffer bound as shader storage: one
invocation per 32-bit word of the array the frame wants, so the buffer ends up holding that array's
bytes (RGBA8 colour arrives as ``(H, W, 3)`` RGB bytes, with no packing pass). The slot binds a
staging buffer there and copies it into the buffer it maps once the frame's reads are queued
(:meth:`~phav.render.readback.ReadbackSlot.finish`, after the barrier that makes the shader's
writes visible; :data:`phav.render.readback.STAGE_COMPUTE_WRITES` says why), then maps that as
before.
"""

from __future__ import annotations

import math

import moderngl
import numpy as np

from phav.render.shaders import create_compute
from phav.render.targets import GLObjects

#: Per source format (texture components, texture dtype, array dtype kind and item size, array's last
#: axis or ``None``): the ``FORMAT_<name>`` of ``readback_words.comp``.
FORMATS: dict[tuple[int, str, str, int, int | None], str] = {
    (1, "f4", "f", 4, None): "R32F",
    (2, "u4", "u", 4, 2): "RG32UI",
    (1, "u2", "u", 2, None): "R16UI",
    (1, "u1", "u", 1, None): "R8UI",
    (4, "f1", "u", 1, 3): "RGB8",
}
#: Texture unit the kernel reads from.
SOURCE_UNIT = 0
#: Work-group size (``readback_words.comp``'s local_size_x) and the most groups one dispatch uses
#: (the kernel loops over the words beyond them).
GROUP_SIZE, MAX_GROUPS = 64, 65535


def source_format(texture: moderngl.Texture, shape: tuple[int, ...], dtype: np.dtype) -> str | None:
    """The ``FORMAT_<name>`` that reads ``texture`` as an array of ``shape`` and ``dtype``, or
    ``None`` when the kernel does not know the pair (the caller then copies the texture as usual)."""
    width, height = texture.size
    last = shape[2] if len(shape) == 3 else None
    if tuple(shape[:2]) != (height, width) or len(shape) not in (2, 3):
        return None
    dtype = np.dtype(dtype)  # kind and itemsize: dtype.name costs microseconds, and this runs per read
    return FORMATS.get((texture.components, texture.dtype, dtype.kind, dtype.itemsize, last))


class ComputeReadback:
    """The ``readback_words.comp`` kernels, one per source format, built on first use.

    Args:
        gl: owner of the GL objects made here (released with it).
        ctx: a GL 4.3 context.
    """

    def __init__(self, gl: GLObjects, ctx: moderngl.Context):
        self._gl, self._ctx = gl, ctx
        self._kernels: dict[str, moderngl.ComputeShader] = {}
        self._uniforms: dict[str, tuple[int, int, int]] = {}  # what each kernel's uniforms hold

    def _kernel(self, name: str) -> moderngl.ComputeShader:
        kernel = self._kernels.get(name)
        if kernel is None:
            kernel = self._kernels[name] = self._gl.add(create_compute(self._ctx, "readback_words.comp",
                                                                       {f"FORMAT_{name}": 1}))
            kernel["u_source"].value = SOURCE_UNIT
        return kernel

    def write(self, name: str, texture: moderngl.Texture, buffer: moderngl.Buffer, nbytes: int) -> None:
        """Queue the kernel of format ``name`` (:func:`source_format`) writing ``texture``'s array of
        ``nbytes`` bytes into ``buffer`` (at least ``nbytes`` rounded up to 4 bytes). The writes
        are visible to a map after a ``GL_BUFFER_UPDATE_BARRIER_BIT`` barrier."""
        words = -(-nbytes // 4)
        if buffer.size < 4 * words:
            raise ValueError(f"a {buffer.size}-byte buffer cannot take {words} words")
        kernel = self._kernel(name)
        width, height = texture.size
        if self._uniforms.get(name) != (width, height, words):  # the same every frame of a renderer
            for uniform, value in (("u_width", width), ("u_pixels", width * height), ("u_count", words)):
                member = kernel.get(uniform, None)  # a format that does not need it has none
                if member is not None:
                    member.value = value
            self._uniforms[name] = (width, height, words)
        texture.use(location=SOURCE_UNIT)
        buffer.bind_to_storage_buffer(0)
        kernel.run(min(MAX_GROUPS, math.ceil(words / GROUP_SIZE)))

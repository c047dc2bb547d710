"""Flow and its validity mask: the occlusion test of frame t's forward motion against frame t+1's
depth, on the GPU (:class:`FlowValidityPass`, what the renderer runs) and in numpy
(:func:`flow_validity`, the rule written out; the test oracle the pass must match byte for byte).

The renderer double-buffers the motion target (:class:`phav.render.targets.GroundTruthTargets`), so
once frame t+1's ground truth is drawn the pass reads frame t's motion and frame t+1's depth and
writes frame t's validity (``R8UI``) and its flow (``RG32UI``, the float32 bits). Reading those two
back costs 9 bytes per pixel, instead of the 20 (``RGBA32F`` motion and ``R32F`` depth) and about
1 ms of numpy per 340x256 frame the CPU rule needs.
"""

from __future__ import annotations

import moderngl
import numpy as np

from phav.render.post import FullScreenKernel
from phav.render.readback import ReadbackSlot
from phav.render.targets import FlowTargets, GLObjects

#: Texture units the pass reads frame t's motion and frame t+1's depth from.
MOTION_UNIT, DEPTH_NEXT_UNIT = 0, 1
#: Image unit of the flow bits on the compute path (the validity is image unit 0).
FLOW_IMAGE_UNIT = 1
#: Read-back keys of the flow and validity the pass wrote (of the frame before the slot's frame).
FLOW_KEY, VALID_KEY = "previous_flow", "previous_flow_valid"


def flow_validity(
    motion: np.ndarray, depth_next: np.ndarray, rel_tol: float, abs_tol: float
) -> tuple[np.ndarray, np.ndarray]:
    """Split the ground-truth motion target into flow and its validity mask.

    A pixel's flow is valid when its surface is in front of the camera and inside the image at t+1
    and frame t+1 shows that surface where the flow puts it: its predicted depth at t+1 matches, within
    ``rel_tol * |z| + abs_tol`` metres, either frame t+1's depth at the nearest target pixel, or
    frame t+1's depth interpolated bilinearly at the exact target position from the four pixels
    around it. The second test keeps surfaces seen at a grazing angle valid (far ground, walls along
    the view), whose depth changes by more than the tolerance between neighbouring pixels, so the
    nearest pixel alone would call them occluded; it fails wherever the four pixels do not lie on
    one surface (an occluding edge between them, or sky among them), so there the nearest pixel
    decides, as it does for flows that land exactly on a pixel. A sky pixel (predicted depth
    +-inf) must land on sky at the nearest target pixel.

    Args:
        motion: ``(H, W, 4) float32``: flow u, flow v (pixels), predicted z-depth at t+1 (metres,
            +inf for sky), and 1 where the point is in front of the camera and inside the image at t+1.
        depth_next: ``(H, W) float32`` z-depth of frame t+1 (+inf sky).
        rel_tol, abs_tol: the depth tolerance (see above), metres.

    Returns:
        ``flow (H, W, 2) float32`` and ``valid (H, W) bool``.
    """
    H, W = depth_next.shape
    # (u, v) as one 8-byte word per pixel: a bit-exact copy of the first two channels, about twice
    # as fast as copying two float32 channels out of four.
    motion = np.ascontiguousarray(motion, dtype=np.float32)
    flow = np.ascontiguousarray(motion.view(np.uint64)[..., 0]).view(np.float32).reshape(H, W, 2)
    z_next = motion[..., 2]
    valid = motion[..., 3] > 0.5
    # Target position (pixel centres at integers); NaN -> 0 and +-inf -> the border (fmax/fmin
    # ignore NaN), clamped to the image.
    x = np.arange(W, dtype=np.float32)[None, :] + flow[..., 0]
    y = np.arange(H, dtype=np.float32)[:, None] + flow[..., 1]

    def index(coord: np.ndarray, n: int) -> np.ndarray:
        return np.fmin(np.fmax(coord, 0), n - 1).astype(np.intp)

    seen = depth_next[index(np.rint(y), H), index(np.rint(x), W)]  # the nearest pixel (half to even)
    x0, y0 = np.floor(x), np.floor(y)
    xa, xb, ya, yb = index(x0, W), index(x0 + 1, W), index(y0, H), index(y0 + 1, H)
    with np.errstate(invalid="ignore"):
        fx, fy = x - x0, y - y0  # NaN for non-finite positions: the interpolation test then fails
        top = depth_next[ya, xa] + fx * (depth_next[ya, xb] - depth_next[ya, xa])
        bottom = depth_next[yb, xa] + fx * (depth_next[yb, xb] - depth_next[yb, xa])
        between = top + fy * (bottom - top)
        tolerance = rel_tol * np.abs(z_next) + abs_tol
        same_surface = (np.abs(z_next - seen) <= tolerance) | (np.abs(z_next - between) <= tolerance)
    sky = np.isinf(z_next)
    valid &= np.where(sky, np.isinf(seen), same_surface)
    return flow, valid


class FlowValidityPass:
    """:func:`flow_validity` as a full-screen pass (``shaders/flow_valid.glsl``, fragment or
    compute like the post chain), writing frame t's validity and flow bits into :attr:`targets`.

    Args:
        gl: owner of the GL objects made here (released with it).
        ctx: the context.
        width, height: output size in pixels.
        backend: ``"fragment"`` or ``"compute"`` (:func:`phav.render.post.choose_post_backend`).
        rel_tol, abs_tol: ``RenderSettings.occlusion_rel_tol`` and ``occlusion_abs_tol`` (metres),
            used as float32 like numpy does with a float32 depth.
    """

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, width: int, height: int, backend: str,
                 rel_tol: float, abs_tol: float):
        self.width, self.height = width, height
        self.targets = FlowTargets(gl, ctx, width, height)
        self._kernel = FullScreenKernel(gl, ctx, "flow_valid", backend)
        self._kernel.set("u_motion", MOTION_UNIT)
        self._kernel.set("u_depth_next", DEPTH_NEXT_UNIT)
        self._kernel.set("u_rel_tol", float(rel_tol))
        self._kernel.set("u_abs_tol", float(abs_tol))

    def run(self, motion: moderngl.Texture, depth_next: moderngl.Texture) -> None:
        """Write the validity and flow of the frame whose ``motion`` (``RGBA32F``) is given, against
        the next frame's ``depth_next`` (``R32F``); both at output size."""
        motion.use(location=MOTION_UNIT)
        depth_next.use(location=DEPTH_NEXT_UNIT)
        if self._kernel.backend == "compute":
            self.targets.flow.bind_to_image(FLOW_IMAGE_UNIT, read=False, write=True)
        self._kernel.draw(self.targets.valid, self.targets.fbo)

    def read(self, slot: ReadbackSlot) -> None:
        """Queue the read-back of what :meth:`run` wrote into ``slot`` (keys :data:`FLOW_KEY`,
        :data:`VALID_KEY`; :func:`collected` turns them into arrays)."""
        slot.read(FLOW_KEY, self.targets.flow, (self.height, self.width, 2), np.uint32)
        slot.read(VALID_KEY, self.targets.valid, (self.height, self.width), np.uint8)


def collected(arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """The flow ``(H, W, 2) float32`` (pixels) and validity ``(H, W) bool`` that
    :meth:`FlowValidityPass.read` queued, from a collected slot's arrays (views, no copy); ``None``
    when the slot holds none (a take's first frame, or flow not requested)."""
    if FLOW_KEY not in arrays:
        return None
    return arrays[FLOW_KEY].view(np.float32), arrays[VALID_KEY].view(np.bool_)

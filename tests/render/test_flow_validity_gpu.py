"""Flow validity on the GPU (phav.render.flow.FlowValidityPass, shaders/flow_valid.glsl) gives the
same bytes as the numpy rule :func:`phav.render.flow.flow_validity` (the oracle, itself checked
pixel by pixel in test_frame_data.py):

* on crafted inputs at every edge of the rule (half-pixel ties, clamping, NaN and +-inf flow, depths
  on the last float32 the tolerance accepts and the first it rejects, bilinear depths between
  random neighbours, sky onto sky and onto ground), so changing the rule (tolerance, rounding,
  clamping, the interpolation, the sky test) breaks it;
* in the renderer, on real takes (a walk and two people bumping into each other under a handheld
  camera: sky, ground, people occluding each other), at SSAA 1 (ground truth fused into the
  G-buffer pass) and 2 (separate pass), with synchronous and asynchronous read-back, on the fragment
  and compute backends: frame t's flow and validity equal the rule applied to frame t's motion
  target and frame t+1's depth target, copied out of the renderer as it draws them.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from phav.render import Renderer
from phav.render.context import default_framebuffer
from phav.render.flow import FlowValidityPass, flow_validity
from phav.render.post import COMPUTE_GL_VERSION
from phav.render.settings import quality_settings
from phav.render.targets import GLObjects
from phav.scenario import Scenario
from phav.seeding import video_rng
from phav.spec import VideoSpec
from phav.worlds.cameras import sample_rig

pytestmark = pytest.mark.gl

REL_TOL, ABS_TOL = 0.01, 0.01


def _backends(ctx) -> list[str]:
    return ["fragment", "compute"] if ctx.version_code >= COMPUTE_GL_VERSION else ["fragment"]


def _run_pass(ctx, backend: str, motion: np.ndarray, depth_next: np.ndarray,
              rel_tol: float = REL_TOL, abs_tol: float = ABS_TOL) -> tuple[np.ndarray, np.ndarray]:
    """The pass on ``motion (H, W, 4) float32`` and ``depth_next (H, W) float32``: (flow, valid)."""
    H, W = depth_next.shape
    gl = GLObjects()
    try:
        motion_tex = gl.add(ctx.texture((W, H), 4, np.ascontiguousarray(motion, np.float32).tobytes(), dtype="f4"))
        depth_tex = gl.add(ctx.texture((W, H), 1, np.ascontiguousarray(depth_next, np.float32).tobytes(), dtype="f4"))
        flow_pass = FlowValidityPass(gl, ctx, W, H, backend, rel_tol, abs_tol)
        flow_pass.run(motion_tex, depth_tex)
        flow = np.frombuffer(flow_pass.targets.flow.read(alignment=1), np.uint32).view(np.float32).reshape(H, W, 2)
        valid = np.frombuffer(flow_pass.targets.valid.read(alignment=1), np.uint8).reshape(H, W)
        assert set(np.unique(valid)) <= {0, 1}
        return flow, valid.view(np.bool_)
    finally:
        default_framebuffer(ctx).use()  # never leave a framebuffer bound that is released next
        gl.release()


def _accepts(z: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """The rule's depth test in float32 (as flow_validity computes it)."""
    return np.abs(z - seen) <= np.float32(REL_TOL) * np.abs(z) + np.float32(ABS_TOL)


def _tolerance_edge(seen: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Per pixel, the float32 depth farthest from ``seen (float32)`` towards ``side`` (+-1) that the
    depth test accepts (the float after it is rejected)."""
    far = (seen + np.float32(ABS_TOL)) / np.float32(1 - REL_TOL)   # z - seen = rel z + abs
    near = (seen - np.float32(ABS_TOL)) / np.float32(1 + REL_TOL)  # seen - z = rel z + abs
    z = np.where(side > 0, far, near).astype(np.float32)
    outward = np.where(side > 0, np.float32(np.inf), np.float32(0))
    for _ in range(64):  # the analytic edge is within a few float steps
        z = np.where(_accepts(z, seen), z, np.nextafter(z, seen))
    for _ in range(64):
        step = np.nextafter(z, outward)
        z = np.where(_accepts(step, seen), step, z)
    assert _accepts(z, seen).all() and not _accepts(np.nextafter(z, outward), seen).any()
    return z


def _rule_with_fused_tolerance(motion: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """flow_validity's mask with ``rel * |z| + abs`` rounded once (a fused multiply-add), not twice."""
    H, W = depth.shape
    with np.errstate(invalid="ignore"):
        px = np.arange(W, dtype=np.float32)[None] + motion[..., 0]
        py = np.arange(H, dtype=np.float32)[:, None] + motion[..., 1]

        def index(c, n):
            return np.fmin(np.fmax(c, 0), n - 1).astype(int)

        z, seen = motion[..., 2], depth[index(np.rint(py), H), index(np.rint(px), W)]
        x0, y0 = np.floor(px), np.floor(py)
        fx, fy = px - x0, py - y0
        xa, xb, ya, yb = index(x0, W), index(x0 + 1, W), index(y0, H), index(y0 + 1, H)
        top = depth[ya, xa] + fx * (depth[ya, xb] - depth[ya, xa])
        bottom = depth[yb, xa] + fx * (depth[yb, xb] - depth[yb, xa])
        between = top + fy * (bottom - top)
        tol = (np.float64(np.float32(REL_TOL)) * np.abs(z.astype(np.float64)) + np.float32(ABS_TOL)).astype(np.float32)
        same = (np.abs(z - seen) <= tol) | (np.abs(z - between) <= tol)
    return (motion[..., 3] > 0.5) & np.where(np.isinf(z), np.isinf(seen), same)


def _edge_cases(H: int = 48, W: int = 64, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """Motion and next depth that hit every branch of the rule, each several times.

    Rows of sky at the top, ground depths 1-40 m below. Each pixel aims at a target pixel through a
    flow that is an integer, a half-integer tie (.5: rounds to even), a little off a tie, far out of
    the image, or non-finite, and predicts the target's depth, or the last float32 depth the
    tolerance accepts on either side, or the first it rejects, or half or twice the tolerance away:
    so halving the tolerance, fusing its multiply-add, rounding another way or clamping differently
    changes the result."""
    rng = np.random.default_rng(seed)
    depth = rng.uniform(1.0, 40.0, (H, W)).astype(np.float32)
    depth[:4] = np.inf
    depth[4:, ::7] = rng.uniform(0.2, 1.0, (H - 4, len(range(0, W, 7)))).astype(np.float32)  # near posts
    ys, xs = np.mgrid[0:H, 0:W]
    kind = rng.integers(0, 6, (H, W))
    fx = rng.integers(-4, 5, (H, W)).astype(np.float32)
    fy = rng.integers(-4, 5, (H, W)).astype(np.float32)
    fx = np.where(kind == 1, fx + 0.5, fx)                     # ties in x
    fy = np.where(kind == 2, fy - 0.5, fy)                     # ties in y
    fx = np.where(kind == 3, fx + np.float32(0.49999997), fx)  # just below a tie
    fx = np.where(kind == 4, np.float32(3 * W), fx)            # far out: clamped to the border
    fy = np.where(kind == 5, np.float32(-3 * H), fy)
    motion = np.zeros((H, W, 4), np.float32)
    motion[..., 0], motion[..., 1] = fx, fy
    tx = np.clip(np.rint(xs + fx), 0, W - 1).astype(int)
    ty = np.clip(np.rint(ys + fy), 0, H - 1).astype(int)
    seen = depth[ty, tx]
    seen = np.where(np.isfinite(seen), seen, np.float32(5.0))
    # The farthest float32 depth on either side of `seen` that the rule still accepts, and the next
    # float beyond it (rejected); then half and twice the tolerance away.
    side = rng.choice(np.array([-1.0, 1.0], np.float32), (H, W))
    edge = _tolerance_edge(seen, side)
    beyond = np.nextafter(edge, np.where(side > 0, np.float32(np.inf), np.float32(0)))
    tol = np.float32(REL_TOL) * seen + np.float32(ABS_TOL)
    choice = rng.integers(0, 5, (H, W))
    z = np.select([choice == 0, choice == 1, choice == 2, choice == 3],
                  [edge, beyond, seen + side * tol * np.float32(0.5), seen], seen + side * tol * np.float32(2.0))
    sky_pred = rng.random((H, W)) < 0.25  # predicted sky: valid only where it lands on sky
    motion[..., 2] = np.where(sky_pred, np.inf, z)
    motion[..., 3] = rng.random((H, W)) > 0.1
    # The bottom rows aim between pixels (fractions 0.05-0.95 in x and y) and predict the bilinear
    # depth there, or the last float32 the tolerance accepts around it, or the first it rejects.
    rows = slice(H - 8, H)
    fx = (rng.integers(-3, 3, (8, W)) + rng.uniform(0.05, 0.95, (8, W))).astype(np.float32)
    fy = (rng.integers(-6, 0, (8, W)) + rng.uniform(0.05, 0.95, (8, W))).astype(np.float32)
    px = np.arange(W, dtype=np.float32)[None] + fx
    py = np.arange(H - 8, H, dtype=np.float32)[:, None] + fy
    x0, y0 = np.floor(px), np.floor(py)
    xa, xb = np.clip(x0, 0, W - 1).astype(int), np.clip(x0 + 1, 0, W - 1).astype(int)
    ya, yb = np.clip(y0, 0, H - 1).astype(int), np.clip(y0 + 1, 0, H - 1).astype(int)
    ffx, ffy = px - x0, py - y0
    top = depth[ya, xa] + ffx * (depth[ya, xb] - depth[ya, xa])
    bottom = depth[yb, xa] + ffx * (depth[yb, xb] - depth[yb, xa])
    between = top + ffy * (bottom - top)
    side = rng.choice(np.array([-1.0, 1.0], np.float32), (8, W))
    edge = _tolerance_edge(between, side)
    beyond = np.nextafter(edge, np.where(side > 0, np.float32(np.inf), np.float32(0)))
    pick = rng.integers(0, 3, (8, W))
    motion[rows, :, 0], motion[rows, :, 1] = fx, fy
    motion[rows, :, 2] = np.select([pick == 0, pick == 1], [edge, beyond], between)
    motion[rows, :, 3] = 1.0
    # Non-finite flow and values: NaN -> pixel 0, +-inf -> the border, NaN depth or flag -> invalid.
    motion[5, 7] = (np.nan, 0.0, depth[5, 0], 1.0)
    motion[6, 3] = (np.inf, 0.0, depth[6, W - 1], 1.0)
    motion[7, 9] = (0.0, -np.inf, np.inf, 1.0)
    motion[8, 2] = (0.0, np.inf, depth[H - 1, 2], 1.0)
    motion[9, 4] = (-np.inf, np.nan, np.inf, 1.0)
    motion[10, 5] = (0.0, 0.0, np.nan, 1.0)
    motion[11, 6] = (0.0, 0.0, depth[11, 6], np.nan)
    motion[12, 8] = (0.0, 0.0, -np.inf, 1.0)
    motion[13, 10] = (np.float32(1e30), np.float32(-1e30), depth[0, W - 1], 1.0)
    motion[14, 11] = (-0.5, -0.5, depth[14, 11], 1.0)  # -0.5 ties to -0, not to -1
    motion[15, 12] = (0.0, 0.0, np.float32(1e-40), 1.0)  # a subnormal depth
    depth[16, 13] = np.nan
    motion[16, 13] = (0.0, 0.0, 1.0, 1.0)
    return motion, depth


def test_crafted_inputs_hit_every_branch_of_the_rule():
    motion, depth = _edge_cases()
    _, valid = flow_validity(motion, depth, REL_TOL, ABS_TOL)
    _, half = flow_validity(motion, depth, REL_TOL / 2, ABS_TOL / 2)
    H, W = depth.shape
    x = np.arange(W, dtype=np.float32)[None] + np.nan_to_num(motion[..., 0], posinf=0, neginf=0)
    ties = (x - np.floor(x) == 0.5) & (np.floor(x) % 2 == 0)  # rint rounds these down, half-up would not
    sky = np.isinf(motion[..., 2]) & (motion[..., 3] > 0.5)
    assert 0.2 < valid.mean() < 0.8
    assert (valid != half).sum() > 20, "the inputs tell the tolerance from half of it"
    assert (valid != _rule_with_fused_tolerance(motion, depth)).sum() > 0, "the inputs tell a fused multiply-add"
    assert (ties & valid).sum() > 5, "valid flows whose target is a tie rounded to even"
    assert valid[sky].any() and not valid[sky].all(), "sky lands on sky and on ground"
    with np.errstate(invalid="ignore"):
        px = np.arange(W, dtype=np.float32)[None] + motion[..., 0]
        py = np.arange(H, dtype=np.float32)[:, None] + motion[..., 1]
        seen = depth[np.fmin(np.fmax(np.rint(py), 0), H - 1).astype(int), np.fmin(np.fmax(np.rint(px), 0), W - 1).astype(int)]
        nearest = np.where(np.isinf(motion[..., 2]), np.isinf(seen), _accepts(motion[..., 2], seen)) & (motion[..., 3] > 0.5)
    between = valid & ~nearest
    assert between[-8:].sum() > 50, "flows valid through the bilinear depth only"
    assert (~valid[-8:]).sum() > 50, "and flows just beyond its tolerance, rejected"


@pytest.mark.parametrize("backend", ["fragment", "compute"])
def test_pass_is_byte_identical_to_the_rule_on_crafted_inputs(gl_context, backend):
    if backend not in _backends(gl_context):
        pytest.skip("compute shaders need GL 4.3")
    motion, depth = _edge_cases()
    flow, valid = _run_pass(gl_context, backend, motion, depth)
    want_flow, want_valid = flow_validity(motion, depth, REL_TOL, ABS_TOL)
    assert flow.tobytes() == want_flow.tobytes()
    mismatch = np.argwhere(valid != want_valid)
    assert valid.tobytes() == want_valid.tobytes(), f"{len(mismatch)} pixels differ, first (y, x): {mismatch[:5].tolist()}"


@pytest.mark.parametrize("rel_tol, abs_tol", [(0.0, 0.0), (0.05, 0.0), (0.0, 0.25)])
def test_pass_follows_the_tolerances_it_is_given(gl_context, rel_tol, abs_tol):
    motion, depth = _edge_cases(seed=12)
    _, valid = _run_pass(gl_context, _backends(gl_context)[-1], motion, depth, rel_tol, abs_tol)
    assert valid.tobytes() == flow_validity(motion, depth, rel_tol, abs_tol)[1].tobytes()


class _CopyingRenderer(Renderer):
    """The renderer unchanged, plus a synchronous copy of each frame's motion and depth targets taken
    right after its ground truth is drawn: the input of the numpy rule."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.motions: list[np.ndarray] = []
        self.depths: list[np.ndarray] = []

    def _read_ground_truth(self, mods, t):
        super()._read_ground_truth(mods, t)
        H, W = self.height, self.width
        self.motions.append(np.frombuffer(self._gt.motion.read(alignment=1), np.float32).reshape(H, W, 4))
        self.depths.append(np.frombuffer(self._gt.depth.read(alignment=1), np.float32).reshape(H, W))


_TAKES: dict[str, object] = {}


def _take(action: str, frames: int, as_drawn: bool = False):
    """A simulated take under a handheld (moving) camera, 96x72, cached per test session; with
    ``as_drawn`` the camera stands where the seed drew it, not moved into the action's view."""
    key = f"{action}/{frames}/{as_drawn}"
    if key not in _TAKES:
        spec = VideoSpec(action=action, frames=frames, width=96, height=72, seed=1, camera="Handheld")
        scenario = Scenario(spec)
        if as_drawn:
            scenario.rig = sample_rig(spec.camera, video_rng(spec.seed, "camera"))
        _TAKES[key] = scenario.simulate(check_signature=False)
    return _TAKES[key]


def _check_take(take, settings, mods):
    with _CopyingRenderer(take.width, take.height, settings) as r:
        frames = list(r.render_take(take, mods))
        backend = r.post_backend
    assert backend == settings.post_backend
    T = take.num_frames
    assert [f.index for f in frames] == list(range(T)) and len(r.motions) == T
    occluded = sky_valid = 0
    for t, f in enumerate(frames[:-1]):
        want_flow, want_valid = flow_validity(r.motions[t], r.depths[t + 1], settings.occlusion_rel_tol,
                                              settings.occlusion_abs_tol)
        assert f.flow.dtype == np.float32 and f.flow.shape == want_flow.shape
        assert f.flow_valid.dtype == np.bool_ and f.flow_valid.shape == want_valid.shape
        assert f.flow.tobytes() == want_flow.tobytes(), f"frame {t}: flow differs"
        assert f.flow_valid.tobytes() == want_valid.tobytes(), \
            f"frame {t}: validity differs in {int(np.sum(f.flow_valid != want_valid))} pixels"
        occluded += int(np.sum((r.motions[t][..., 3] > 0.5) & ~f.flow_valid))
        sky_valid += int(np.sum(np.isinf(r.motions[t][..., 2]) & f.flow_valid))
    last = frames[-1]
    assert not last.flow.any() and not last.flow_valid.any()
    assert occluded > 0 and sky_valid > 0, "the take exercises both outcomes of the test"
    return frames


_SETTINGS = [  # (ssaa, async read-back)
    pytest.param(1, True, id="ssaa1-async"),
    pytest.param(1, False, id="ssaa1-sync"),
    pytest.param(2, True, id="ssaa2-async"),
    pytest.param(2, False, id="ssaa2-sync"),
]


@pytest.mark.parametrize("backend", ["fragment", "compute"])
@pytest.mark.parametrize("ssaa, async_readback", _SETTINGS)
def test_renderer_flow_matches_the_rule_on_a_walk(gl_context, backend, ssaa, async_readback):
    if backend not in _backends(gl_context):
        pytest.skip("compute shaders need GL 4.3")
    settings = dataclasses.replace(quality_settings("preview"), ssaa=ssaa, async_readback=async_readback,
                                   post_backend=backend)
    _check_take(_take("Walk", 4), settings, ("img", "flow", "depth"))


@pytest.mark.parametrize("backend", ["fragment", "compute"])
@pytest.mark.parametrize("ssaa, async_readback", [(1, True), (2, False)])
def test_renderer_flow_matches_the_rule_when_people_occlude_each_other(gl_context, backend, ssaa, async_readback):
    if backend not in _backends(gl_context):
        pytest.skip("compute shaders need GL 4.3")
    take = _take("SyntheticBumpIntoEachOther", 40, as_drawn=True)  # along the walk: one hides the other
    settings = dataclasses.replace(quality_settings("preview"), ssaa=ssaa, async_readback=async_readback,
                                   post_backend=backend)
    frames = _check_take(take, settings, ("img", "flow", "instancegt"))
    # Pixels of one person whose flow lands inside the other person at t+1 (the occluder: all four
    # pixels around the target are the other person's): invalid. (Within a pixel of the boundary
    # between two people in contact, depth alone cannot tell them apart.)
    crossed = 0
    for a, b in zip(frames[:-1], frames[1:]):
        H, W = a.instance.shape
        x0 = np.floor(np.arange(W)[None] + a.flow[..., 0])
        y0 = np.floor(np.arange(H)[:, None] + a.flow[..., 1])
        other = a.instance > 0
        for dy in (0, 1):
            for dx in (0, 1):
                x = np.clip(x0 + dx, 0, W - 1).astype(int)
                y = np.clip(y0 + dy, 0, H - 1).astype(int)
                other &= (b.instance[y, x] > 0) & (b.instance[y, x] != a.instance)
        crossed += int(other.sum())
        assert not a.flow_valid[other].any()
    assert crossed > 20


def test_flow_only_reads_back_flow_and_validity(gl_context):
    take = _take("Walk", 3)
    with Renderer(take.width, take.height, quality_settings("preview")) as r:
        frames = list(r.render_take(take, ("flow",)))
    for f in frames:
        assert f.depth is None and f.img is None and f.semantic is None
        assert f.flow.shape == (take.height, take.width, 2) and f.flow_valid.shape == (take.height, take.width)


def test_close_releases_the_flow_pass_and_both_motion_targets(gl_context):
    take = _take("Walk", 3)
    r = Renderer(take.width, take.height, quality_settings("preview"))
    list(r.render_take(take, ("flow",)))
    objects = [r._flow.targets.valid, r._flow.targets.flow, r._flow.targets.fbo, r._flow._kernel.program,
               *r._gt.motions, *r._gt.fbos, *r._fused_fbos]
    r.close()
    assert all(type(obj.mglo).__name__ == "InvalidObject" for obj in objects)

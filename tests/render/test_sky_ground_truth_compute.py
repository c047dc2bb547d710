"""The sky's ground truth by compute shader (``shaders/sky_groundtruth.comp``, the compute backend)
stores the same bytes as the full-screen fragment pass (``shaders/sky_groundtruth.frag``, the
fragment backend): both call ``sky_ground_truth(pixel)`` of ``shaders/ground_truth.glsl``.

Checked on the pass alone (:class:`SkyGroundTruth` on poisoned targets, against a numpy oracle of the
infinite homography, with a camera turning so far that some directions fall behind it) and through
the renderer (separate pass with 2x SSAA, separate pass at output size, fused into the G-buffer
pass), on a take with sky, ground and a person under a panning camera so the sky's flow is non-zero.
The output size is not a multiple of the 8x8 work group, so the edge groups count too.
"""

from __future__ import annotations

import dataclasses

import moderngl
import numpy as np
import pytest

from phav.camera import look_at
from phav.frames import MODALITIES
from phav.render import Renderer
from phav.render.context import default_framebuffer
from phav.render.renderer import SKY_CLASS
from phav.render.settings import RenderSettings
from phav.render.sky_ground_truth import SkyGroundTruth
from phav.render.targets import GBufferClear, GLObjects, GroundTruthTargets, LitTargets, fused_framebuffers
from phav.render.uniforms import frame_block, sky_homography

from render_scenes import person_take

pytestmark = pytest.mark.gl

W, H = 60, 44  # 7.5 x 5.5 work groups
T = 3
EYE = np.array((2.6, -2.0, 1.4))
_GT_MODALITIES = ("depth", "flow", "classgt", "instancegt")
_GT_FIELDS = ("depth", "semantic", "instance", "flow", "flow_valid")
# Poison: values no pass writes (negative depth, unused ids, an absurd flow).
_POISON = {"depth": -1.0, "semantic": 250, "instance": 4321, "motion": (1234.5, -999.0, -1.0, 0.5)}


def _needs_compute(ctx: moderngl.Context) -> None:
    if ctx.version_code < 430:
        pytest.skip("compute shaders need GL 4.3")


def _panning_take(yaws_deg=(0.0, 3.0, 6.0)):
    """The person on the ground, seen from a fixed eye turned ``yaws_deg[t]`` degrees about the
    world's vertical at frame t (pure rotation: the sky's flow is the homography's)."""
    take = person_take(W, H, T=len(yaws_deg))
    base = np.array((0.0, 0.0, 0.9)) - EYE
    w2c = []
    for yaw in yaws_deg:
        a = np.radians(yaw)
        rz = np.array([[np.cos(a), -np.sin(a), 0.0], [np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]])
        w2c.append(look_at(EYE, EYE + rz @ base))
    return dataclasses.replace(take, camera_world_to_camera=np.stack(w2c)).validate()


def _poison(gt: GroundTruthTargets) -> None:
    size = (H, W)
    gt.depth.write(np.full(size, _POISON["depth"], np.float32).tobytes())
    gt.semantic.write(np.full(size, _POISON["semantic"], np.uint8).tobytes())
    gt.instance.write(np.full(size, _POISON["instance"], np.uint16).tobytes())
    for motion in gt.motions:
        motion.write(np.broadcast_to(np.asarray(_POISON["motion"], np.float32), (*size, 4)).tobytes())


def _read(gt: GroundTruthTargets) -> dict[str, np.ndarray]:
    return {"depth": np.frombuffer(gt.depth.read(), np.float32).reshape(H, W),
            "semantic": np.frombuffer(gt.semantic.read(), np.uint8).reshape(H, W),
            "instance": np.frombuffer(gt.instance.read(), np.uint16).reshape(H, W),
            "motion": np.frombuffer(gt.motion.read(), np.float32).reshape(H, W, 4)}


# ---- the pass alone ---------------------------------------------------------------------------------

def _sky_alone(ctx: moderngl.Context, backend: str, block: np.ndarray, fused: bool) -> dict[str, np.ndarray]:
    """The sky pass of ``backend`` on poisoned targets with the frame block ``block``: the four
    ground-truth targets (and with ``fused`` the G-buffer's colour targets and depth) afterwards."""
    gl = GLObjects()
    try:
        gt = GroundTruthTargets(gl, ctx, W, H)
        gt.swap()  # as a frame does
        ubo = gl.add(ctx.buffer(block.astype(np.float32).tobytes()))
        ubo.bind_to_uniform_block(0)
        sky = SkyGroundTruth(gl, ctx, gt, backend, SKY_CLASS, 0, fused=fused)
        assert isinstance(sky.program, moderngl.ComputeShader) == (backend == "compute")
        _poison(gt)
        if fused:
            lit = LitTargets(gl, ctx, W, H, 1)
            rng = np.random.default_rng(3)
            for texture in (lit.albedo, lit.normal, lit.surface):  # an earlier frame's leftovers
                texture.write(rng.integers(1, 255, len(texture.read()), dtype=np.uint8).tobytes())
            lit.depth_fbo.clear(depth=0.25)
            fbo = fused_framebuffers(gl, ctx, lit, gt)[gt.current]
            sky.start_fused(fbo, lit, GBufferClear(gl, ctx, lit, compute=backend == "compute"))
        else:
            sky.start()
            fbo = gt.fbo
        assert ctx.fbo is fbo, "the pass leaves the framebuffer for the geometry bound"
        out = _read(gt)
        out["zbuffer"] = np.frombuffer(fbo.read(components=1, attachment=-1, dtype="f4"), np.float32)
        if fused:
            for name in ("albedo", "normal", "surface"):
                out[name] = np.frombuffer(getattr(lit, name).read(), np.uint8)
        default_framebuffer(ctx).use()  # never release a bound framebuffer
        return out
    finally:
        default_framebuffer(ctx).use()
        gl.release()


def _oracle_motion(homography: np.ndarray) -> np.ndarray:
    """``(H, W, 4)`` float64 motion record of the sky (no frame t+1 aside)."""
    v, u = np.mgrid[0:H, 0:W].astype(np.float64)
    q = np.einsum("ij,hwj->hwi", homography, np.stack([u, v, np.ones_like(u)], axis=-1))
    ahead = q[..., 2] > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        nxt = q[..., :2] / q[..., 2:]
    inside = ahead & (nxt[..., 0] >= -0.5) & (nxt[..., 0] < W - 0.5) & (nxt[..., 1] >= -0.5) & (nxt[..., 1] < H - 0.5)
    motion = np.zeros((H, W, 4))
    motion[..., :2] = np.where(ahead[..., None], nxt - np.stack([u, v], axis=-1), 0.0)
    motion[..., 2] = np.inf
    motion[..., 3] = inside
    return motion


@pytest.mark.parametrize("fused", [False, True], ids=["separate", "fused"])
def test_compute_sky_stores_the_fragment_pass_bytes_in_every_texel(gl_context, fused):
    """A turn of 20 degrees (part of the sky stays in the image at t+1, part leaves it), then one
    of 80 (the directions on one side are still in front of the camera at t+1, the others behind
    it), then the last frame (no t+1)."""
    _needs_compute(gl_context)
    settings = RenderSettings()
    take = _panning_take((0.0, 20.0, 100.0))
    kinds = np.zeros(3, int)  # pixels in the image at t+1, in front but out of it, behind
    for t in range(3):
        block = frame_block(take, t, settings.near, settings.far)
        compute = _sky_alone(gl_context, "compute", block, fused)
        fragment = _sky_alone(gl_context, "fragment", block, fused)
        assert compute.keys() == fragment.keys()
        for name in compute:
            assert compute[name].tobytes() == fragment[name].tobytes(), \
                f"frame {t} {name}: {np.sum(compute[name] != fragment[name])} elements differ"
        got = compute
        assert np.all(got["semantic"] == SKY_CLASS) and np.all(got["instance"] == 0)
        assert np.all(np.isposinf(got["depth"])) and np.all(np.isposinf(got["motion"][..., 2]))
        assert np.all(got["zbuffer"] == 1.0)
        if fused:
            for name in ("albedo", "normal", "surface"):
                assert not got[name].any(), f"the G-buffer's {name} is cleared to zero"
        motion = got["motion"]
        if t == 2:  # the last frame: no motion
            assert not motion[..., [0, 1, 3]].any()
            continue
        want = _oracle_motion(sky_homography(take, t))
        valid = want[..., 3] == 1.0
        behind = ~np.any(want[..., :2] != 0.0, axis=-1)
        kinds += (valid.sum(), (~valid & ~behind).sum(), behind.sum())
        assert np.array_equal(motion[..., 3], want[..., 3])
        assert np.allclose(motion[..., :2], want[..., :2], rtol=1e-4, atol=1e-2)
    assert np.all(kinds >= 10), f"the turns should give every kind of sky pixel, got {kinds}"


# ---- through the renderer ---------------------------------------------------------------------------

def _render(take, backend: str, ssaa: int, mods, fused: bool | None):
    settings = RenderSettings(ssaa=ssaa, post=(), shadows=False, precipitation=False, post_backend=backend)
    with Renderer(W, H, settings) as r:
        assert r.post_backend == backend
        assert isinstance(r._sky.program, moderngl.ComputeShader) == (backend == "compute")
        if fused is not None:
            assert r._fused == fused
        _poison(r._gt)  # every texel the sky does not write stays poisoned
        timer = r.enable_profiling()
        frames = list(r.render_take(take, mods))
        return frames, set(timer.summary())


@pytest.mark.parametrize("ssaa, mods, pass_name", [
    (2, MODALITIES, "ground_truth"),            # supersampled G-buffer: separate pass
    (1, _GT_MODALITIES, "ground_truth"),        # no lit pass to fuse into: separate pass
    (1, MODALITIES, "gbuffer_ground_truth"),    # fused into the G-buffer pass
])
def test_ground_truth_is_byte_identical_on_both_backends(gl_context, ssaa, mods, pass_name):
    _needs_compute(gl_context)
    take = _panning_take()
    fused = pass_name == "gbuffer_ground_truth"
    compute, passes = _render(take, "compute", ssaa, mods, fused if ssaa == 1 and mods == MODALITIES else None)
    fragment, fragment_passes = _render(take, "fragment", ssaa, mods, None)
    assert pass_name in passes and pass_name in fragment_passes
    assert ("ground_truth" in passes) != fused
    # The take shows sky, ground and the person, and the sky moves on screen.
    for frame in compute[:-1]:
        sky = frame.semantic == SKY_CLASS
        for label, mask in (("sky", sky), ("ground", frame.semantic == 6), ("person", frame.instance == 1)):
            assert mask.sum() >= 20, f"frame {frame.index}: the scene should show the {label}"
        assert np.all(np.isposinf(frame.depth[sky])) and not frame.instance[sky].any()
        assert np.abs(frame.flow[sky]).max() > 1.0, "the camera turns: the sky's flow is non-zero"
        assert frame.flow_valid[sky].any() and not frame.flow_valid[sky].all(), \
            "some sky leaves the image at t+1, the rest stays"
    for frame in compute:  # the poison is gone: every texel the geometry missed got the sky
        assert not (frame.semantic == _POISON["semantic"]).any() and not (frame.depth == _POISON["depth"]).any()
        assert not (frame.instance == _POISON["instance"]).any()
        assert not (frame.flow == _POISON["motion"][0]).any()
    assert [f.index for f in compute] == [f.index for f in fragment] == list(range(T))
    for a, b in zip(compute, fragment):
        for name in _GT_FIELDS:
            x, y = getattr(a, name), getattr(b, name)
            assert x.dtype == y.dtype and x.shape == y.shape, (a.index, name)
            assert x.tobytes() == y.tobytes(), f"frame {a.index} {name}: {np.sum(x != y)} elements differ"


def test_fragment_backend_builds_no_compute_sky(gl_context):
    with Renderer(W, H, RenderSettings(ssaa=1, shadows=False, post_backend="fragment")) as r:
        assert not isinstance(r._sky.program, moderngl.ComputeShader) and r._sky.backend == "fragment"

"""Ground truth fused into the G-buffer pass (``RenderSettings.fuse_ground_truth``): at output size
(``ssaa == 1``) the G-buffer draws also write depth, semantic and instance ids and forward motion,
and the separate ground-truth pass is skipped. Every modality must be byte-identical to the separate
pass, frame by frame (the last frame included), on a scene with a skinned person, moving props and
sky, under a moving camera; with supersampling the separate pass is kept."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from phav.camera import look_at
from phav.frames import MODALITIES
from phav.render import Renderer
from phav.render.settings import quality_settings
from phav.take import Instance

from render_scenes import SKY_CLASS, assert_same_frames, box_mesh, person_take, pose

pytestmark = pytest.mark.gl

W, H = 96, 72
T = 4
def _scene():
    """The person walking sideways, a box sliding in front of them (occluding part of them), a
    spinning box behind, and a camera panning along, so sky, person and props all move on screen."""
    take = person_take(W, H, T=T, step=(0.06, 0.0, 0.0))
    props = [(box_mesh((0.3, 0.3, 0.3), color=(0.7, 0.2, 0.2), semantic=30, name="crate"),
              [(0.9 - 0.12 * t, -0.9, 0.3) for t in range(T)], [0.0] * T, 2),
             (box_mesh((0.4, 0.2, 0.6), color=(0.2, 0.3, 0.8), semantic=31, name="cabinet"),
              [(-1.2, 1.5, 0.6)] * T, [0.3 * t for t in range(T)], 3)]
    meshes, names = list(take.meshes), list(take.part_names)
    part_pos, part_quat = [take.part_pos], [take.part_quat]
    instance_ids, instances = list(take.part_instance), list(take.instances)
    for mesh, positions, angles, instance in props:
        poses = [pose(p, angle=a) for p, a in zip(positions, angles)]
        part_pos.append(np.array([p for p, _ in poses])[:, None])
        part_quat.append(np.array([q for _, q in poses])[:, None])
        meshes.append(mesh)
        names.append(mesh.name)
        instance_ids.append(instance)
        instances.append(Instance(instance, mesh.name, int(mesh.semantic[0]), (40 * instance, 90, 160)))
    eyes = [(2.6 + 0.15 * t, -2.0, 1.4) for t in range(T)]
    w2c = np.stack([look_at(np.array(e), np.array((0.0, 0.0, 1.0))) for e in eyes])
    return dataclasses.replace(
        take, meshes=meshes, part_names=names, part_mesh=np.arange(len(meshes), dtype=np.int32),
        part_instance=np.array(instance_ids, dtype=np.uint16), part_pos=np.concatenate(part_pos, axis=1),
        part_quat=np.concatenate(part_quat, axis=1), instances=instances, camera_world_to_camera=w2c,
    ).validate()


def _render(take, settings, mods=MODALITIES):
    """(frames, names of the passes that ran)."""
    with Renderer(W, H, settings) as r:
        timer = r.enable_profiling()
        frames = list(r.render_take(take, mods))
        return frames, set(timer.summary())


def _assert_identical(got, want):
    assert [f.index for f in got] == list(range(T))
    assert_same_frames(got, want)


def test_fused_ground_truth_is_byte_identical_to_the_separate_pass():
    take = _scene()
    settings = quality_settings("preview")
    assert settings.ssaa == 1 and settings.fuse_ground_truth
    fused, fused_passes = _render(take, settings)
    separate, separate_passes = _render(take, dataclasses.replace(settings, fuse_ground_truth=False))
    assert "gbuffer_ground_truth" in fused_passes and not {"gbuffer", "ground_truth"} & fused_passes
    assert {"gbuffer", "ground_truth"} <= separate_passes and "gbuffer_ground_truth" not in separate_passes
    # The scene exercises every kind of pixel: sky, ground, person, both props, and moving flow.
    first = fused[0]
    for label, mask in (("sky", first.semantic == SKY_CLASS), ("person", first.instance == 1),
                        ("crate", first.instance == 2), ("cabinet", first.instance == 3)):
        assert mask.sum() >= 20, f"the test scene should show the {label}"
    assert np.isinf(first.depth[first.semantic == SKY_CLASS]).all()
    assert np.abs(first.flow[first.semantic == SKY_CLASS]).max() > 0.1, "the camera pans: the sky moves"
    assert first.flow_valid.mean() > 0.5 and not fused[-1].flow_valid.any()
    _assert_identical(fused, separate)


@pytest.mark.parametrize("mods", [("depth", "flow", "classgt", "instancegt"), ("img", "classgt"), ("raw", "flow")])
def test_fusion_with_a_subset_of_modalities_gives_the_same_frames(mods):
    """Ground truth alone has no G-buffer pass to fuse into (the separate pass runs); any lit
    image with any ground truth fuses; either way the bytes match the separate pass's."""
    take = _scene()
    settings = quality_settings("preview")
    fused, passes = _render(take, settings, mods)
    separate, _ = _render(take, dataclasses.replace(settings, fuse_ground_truth=False), mods)
    lit = bool({"img", "raw"} & set(mods))
    assert ("gbuffer_ground_truth" in passes) == lit and ("ground_truth" in passes) == (not lit)
    _assert_identical(fused, separate)


def test_supersampled_g_buffer_keeps_the_separate_pass():
    """With ssaa > 1 the ground truth stays unfiltered at output size in its own pass, identical
    to the output-size preset's fused ground truth."""
    take = _scene()
    frames, passes = _render(take, quality_settings("phav"))
    assert quality_settings("phav").ssaa > 1
    assert {"gbuffer", "ground_truth"} <= passes and "gbuffer_ground_truth" not in passes
    preview, _ = _render(take, quality_settings("preview"))
    for a, b in zip(frames, preview):
        for name in ("depth", "flow", "flow_valid", "semantic", "instance"):
            assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), (a.index, name)

"""Bad arguments to the library give one-line errors that name the argument, the form it takes and
its unit; forms the messages invite are accepted."""

from __future__ import annotations

import re

import numpy as np
import pytest

import phav
from phav.api.props import builtin_prop
from phav.dataset.package import actor_splits
from phav.errors import DataError, SpecError
from phav.frames import check_modalities
from phav.motion.deepmimic import load_deepmimic
from phav.motion.ops import blend

TINY = dict(frames=4, size=(64, 48))


def scene() -> phav.Scene:
    return phav.Scene("Plain", **TINY)


# ---- Scene ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", ["320x240", (320,), (320, 240, 3), (320.5, 240), ("320", "240"), 320])
def test_scene_size_is_a_width_height_pair(size):
    with pytest.raises(SpecError, match=r"size must be \(width, height\) in whole pixels, e.g. size=\(320, 240\); got"):
        phav.Scene(size=size)


def test_scene_size_takes_whole_numbers_of_any_type():
    assert (phav.Scene(size=(np.int64(320), 240.0)).spec.width, phav.Scene(size=[320, 240]).spec.height) == (320, 240)


def test_scene_frames_and_seed_are_the_specs():
    s = phav.Scene(frames=7, seed=3)
    assert (s.frames, s.seed) == (7, 3) and phav.Scene.frames.__doc__ and phav.Scene.seed.__doc__


@pytest.mark.parametrize("position", [(1.0, 2.0, 3.0), 1.0, (1.0,), ("a", "b")])
def test_a_person_starts_at_x_y_on_the_ground(position):
    with pytest.raises(SpecError, match=r"add_person: position must be \(x, y\) on the ground in metres .*shape \(2,\)"):
        scene().add_person("Walk", position=position)


def test_a_person_at_x_y_keeps_it():
    assert scene().add_person("Walk", position=np.array([1, 2])).position == (1.0, 2.0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(position=(1, 2)), r"add_prop: position must be \(x, y, z\) in metres, shape \(3,\); got \(1, 2\)"),
    (dict(velocity=(1, 2)), r"add_prop: velocity must be \(vx, vy, vz\) in m/s, shape \(3,\)"),
    (dict(quat=(0, 0, 1)), r"add_prop: quat must be a rotation \(x, y, z, w\), shape \(4,\)"),
    (dict(quat=(0, 0, 0, 0)), r"add_prop: quat must be a rotation \(x, y, z, w\), not zero"),
    (dict(colour=(1, 0)), r"add_prop: colour must be linear RGB \(r, g, b\) in \[0, 1\], shape \(3,\)"),
])
def test_prop_vectors_name_the_argument_and_its_shape(kwargs, message):
    with pytest.raises(SpecError, match=message):
        scene().add_prop("ball", **kwargs)


@pytest.mark.parametrize("source, size, message", [
    ("box", (1, 2), r"add_prop: box size must be the box's full extents \(x, y, z\) in metres, shape \(3,\)"),
    ("box", (1, 2, 0), r"add_prop: box size must be the box's full extents .* each above 0"),
    ("ball", (0.1, 0.2), r"add_prop: ball size must be the ball's radius \(r,\) in metres, shape \(1,\)"),
])
def test_a_built_in_prop_of_the_wrong_size_is_refused_at_the_call(source, size, message):
    with pytest.raises(SpecError, match=message):
        scene().add_prop(source, size=size)


BALL = r"ball size must be the ball's radius \(r,\) in metres, shape \(1,\), each above 0; got "
BOX = r"box size must be the box's full extents \(x, y, z\) in metres, shape \(3,\), each above 0; got "


@pytest.mark.parametrize("kind, size", [
    ("ball", 0), ("ball", -0.1), ("ball", float("nan")), ("ball", (float("inf"),)), ("ball", (0.1, 0.2)),
    ("ball", "0.1"), ("box", (1, 2)), ("box", (1, 2, 0)), ("box", (1, -2, 1)),
    ("box", (1, float("nan"), 1)), ("box", (1, 1, float("inf"))), ("box", 1.0), ("box", "1 1 1"), ("box", ("1", 1, 1)),
    ("box", (1, (1, 2), 1)),
])
def test_a_built_in_prop_of_the_wrong_size_is_refused_by_builtin_prop_as_by_add_prop(kind, size):
    """The size check is builtin_prop's: a direct call gets the message add_prop gives, named for it."""
    message = BALL if kind == "ball" else BOX
    with pytest.raises(SpecError, match=r"^builtin_prop: " + message + re.escape(repr(size)) + "$"):
        builtin_prop(kind, np.random.default_rng(0), size=size)
    with pytest.raises(SpecError, match=r"^add_prop: " + message):
        scene().add_prop(kind, size=size)


def test_builtin_prop_takes_the_sizes_add_prop_takes():
    rng = np.random.default_rng
    ball = builtin_prop("ball", rng(0), size=np.float64(0.2))[1]
    assert ball.positions[:, 2].max() == pytest.approx(0.4)
    assert np.array_equal(ball.positions, builtin_prop("ball", rng(0), size=[0.2])[1].positions)
    box = builtin_prop("box", rng(0), size=np.array([1, 2, 3]))[1]
    assert np.allclose(box.positions.max(axis=0) - box.positions.min(axis=0), (1, 2, 3), atol=1e-6)


def test_a_ball_takes_its_radius_as_a_number_or_a_1_tuple():
    a, b = scene().add_prop("ball", size=0.2), scene().add_prop("ball", size=(0.2,))
    assert np.array_equal(a.mesh.positions, b.mesh.positions) and a.mesh.positions[:, 2].max() == pytest.approx(0.4)


@pytest.mark.parametrize("args, message", [
    (((1, 2),), r"add_light: position must be \(x, y, z\) in metres, shape \(3,\); got \(1, 2\)"),
    (((1, 2, 3), (1, 1)), r"add_light: colour must be linear RGB intensity \(r, g, b\), each >= 0, shape \(3,\)"),
    (((1, 2, 3), (1, -1, 1)), r"add_light: colour must be linear RGB intensity \(r, g, b\), each >= 0; got"),
])
def test_light_vectors_name_the_argument_and_its_shape(args, message):
    with pytest.raises(SpecError, match=message):
        scene().add_light(*args)


# ---- cameras -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    (dict(eye=(1, 2), target=(0, 0, 0)), r"CameraPoses.look_at: eye must be \(x, y, z\) in metres, shape \(3,\) "
                                         r"\(fixed\) or \(T, 3\) \(per frame\); got \(1, 2\)"),
    (dict(eye=(1, 2, 3), target=np.zeros((4, 2))), r"CameraPoses.look_at: target must be \(x, y, z\) in metres"),
    (dict(eye=(1, 2, 3), target=(0, 0, 0), up=(0, 1)), r"CameraPoses.look_at: up must be a world direction"),
    (dict(eye=(0, 0, 1), target=(0, 0, 1)), r"CameraPoses.look_at: camera eye and target coincide"),
])
def test_look_at_names_the_argument_and_its_shape(kwargs, message):
    with pytest.raises(SpecError, match=message):
        phav.CameraPoses.look_at(**kwargs)


@pytest.fixture(scope="module")
def take():
    s = scene()
    s.add_person("Walk", check_signature=False)
    return s.simulate(quality="preview")


def test_view_with_a_kind_name_says_how_to_make_its_rig(take):
    with pytest.raises(TypeError, match=r"phav.view: camera must be a rig or CameraPoses .*got str 'Orbital'; "
                                        r"for a kind name draw its rig with phav.worlds.cameras.sample_rig"):
        phav.view(take, "Orbital")


def test_view_through_a_rig_drawn_as_the_message_says(take):
    from phav.worlds.cameras import sample_rig

    rig = sample_rig(phav.CameraKind.parse("Orbital"), np.random.default_rng(0))
    assert phav.view(take, rig).meta["camera"]["kind"] == "Orbital"


# ---- motion, frames, datasets, takes -------------------------------------------------------------
def test_blend_with_per_frame_weights_of_the_wrong_length_names_the_length_it_needs():
    walk, punch = load_deepmimic("walk"), load_deepmimic("punch")
    with pytest.raises(ValueError, match=rf"blend weight has 10 values, but blending 'deepmimic_walk' and "
                                         rf"'deepmimic_punch' gives {walk.num_frames} frames \(.* s at 30 fps\); "
                                         rf"give a constant or {walk.num_frames} weights, one per frame"):
        blend(walk, punch, np.linspace(0, 1, 10))
    assert blend(walk, punch, np.linspace(0, 1, walk.num_frames)).num_frames == walk.num_frames


def test_modalities_are_names_or_one_comma_separated_string_as_the_message_says():
    assert check_modalities("img") == ("img",)
    assert check_modalities("depth, img") == check_modalities(["img", "depth"]) == ("img", "depth")
    with pytest.raises(ValueError, match=r"unknown modalities \['dpth'\]; choose a comma-separated subset of "
                                         r"img,raw,depth,flow,classgt,instancegt"):
        check_modalities("img,dpth")


@pytest.mark.gl
def test_read_video_accepts_a_comma_separated_string(take, tmp_path, gl_session):
    spec = phav.VideoSpec(action="Walk", frames=take.num_frames, width=take.width, height=take.height)
    folder = phav.write_video(take, tmp_path, spec, quality="preview", modalities=("img", "depth"))
    data = phav.read_video(folder, "img,depth")
    assert data.img.shape == (4, 48, 64, 3) and data.depth.shape == (4, 48, 64) and data.raw is None
    assert data.num_frames == 4


@pytest.mark.gl
def test_render_frames_and_write_video_take_one_modality_or_a_comma_separated_string(take, tmp_path, gl_session):
    frame = next(iter(phav.render_frames(take, "img", quality="preview")))
    assert frame.img.shape == (48, 64, 3) and frame.depth is None
    arrays = phav.render_arrays(take, "depth,classgt", quality="preview")
    assert set(arrays) == {"depth", "semantic"}
    spec = phav.VideoSpec(action="Walk", frames=take.num_frames, width=take.width, height=take.height)
    folder = phav.write_video(take, tmp_path, spec, quality="preview", modalities="img")
    assert sorted(p.name for p in folder.glob("*_00001.*")) == ["img_00001.jpg"]
    with pytest.raises(ValueError, match=r"unknown modalities \['imgs'\]"):
        next(iter(phav.render_frames(take, "imgs", quality="preview")))


@pytest.mark.parametrize("split", [(-1, 10, 11), (16, 2, 2, 0), (16, 2), (16.5, 1.5, 2), ("16", "2", "2")])
def test_a_split_is_three_whole_counts_at_least_zero(split):
    with pytest.raises(SpecError, match=r"split .* is malformed; give \(train, val, test\) actor-preset counts, whole "
                                        r"numbers >= 0 that add up to \d+, e.g. \(16, 2, 2\)"):
        actor_splits(split, 0)


def test_the_classes_of_no_dataset_are_a_data_error_as_open_dataset(tmp_path):
    with pytest.raises(DataError, match="is not a folder: no dataset is there"):
        phav.dataset_classes(tmp_path / "nowhere")
    with pytest.raises(DataError):
        phav.open_dataset(tmp_path / "nowhere")


def test_a_file_that_is_not_a_take_does_not_repeat_numpys_pickle_advice(tmp_path):
    path = tmp_path / "garbage.npz"
    path.write_bytes(np.random.default_rng(0).bytes(1000))
    with pytest.raises(DataError, match=r"garbage.npz is not a complete phav take \(not an .npz archive\)") as caught:
        phav.Take.load(path)
    assert "pickle" not in str(caught.value)


def test_counts_and_properties_say_what_they_count():
    for prop in (phav.Take.num_frames, phav.Take.num_parts, phav.motion.Clip.num_frames, phav.VideoData.num_frames):
        assert prop.__doc__

import dataclasses

import numpy as np
import pytest

from phav.body.anthropometry import DE_LEVA_MASS_PERCENT, BodyShape
from phav.body.presets import PRESETS, blend_shapes, get_preset, preset_names, sample_actor


def test_twenty_distinct_presets_with_the_phav_characters():
    names = preset_names()
    assert len(names) == 20 == len(set(names))
    for required in ("Model_Boy", "Model_Girl", "Model_ElderlyWoman", "Model_Janitor", "Model_SecurityOfficer",
                     "Model_Prisoner01", "Model_NewsReader"):
        assert required in names
    shapes = {(p.shape.height, p.shape.mass) for p in PRESETS}
    assert len(shapes) == 20


def test_default_alias_resolves():
    p = get_preset("Model_Default")
    assert p.name == "Model_Default" and p.shape == get_preset("Model_Man01").shape


def test_unknown_actor_lists_valid_ones():
    with pytest.raises(ValueError, match="Model_Boy"):
        get_preset("Model_Nobody")


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_preset_skeleton_has_the_shape_height_and_mass(preset):
    sk = preset.skeleton()
    assert sk.segments.height == pytest.approx(preset.shape.height, abs=1e-9)
    assert sk.total_mass == pytest.approx(preset.shape.mass)
    assert all(link.mass > 0 and min(link.inertia) > 0 for link in sk.links)


def test_mass_fractions_follow_de_leva():
    male = BodyShape().skeleton()
    assert male.link("right_thigh").mass / male.total_mass == pytest.approx(DE_LEVA_MASS_PERCENT["thigh"][0] / 100, rel=1e-3)
    female = BodyShape(female=1.0, mass=60, height=1.65).skeleton()
    assert female.link("pelvis").mass / 60 == pytest.approx(DE_LEVA_MASS_PERCENT["pelvis"][1] / 100, rel=1e-3)


def test_lengths_follow_winter():
    seg = BodyShape(height=1.8).segments()
    assert seg.thigh == pytest.approx(0.245 * 1.8)
    assert seg.shin == pytest.approx(0.246 * 1.8)
    assert seg.upper_arm == pytest.approx(0.186 * 1.8)
    assert seg.thigh + seg.shin + seg.ankle_to_sole == pytest.approx(0.530 * 1.8)  # hip joint height


def test_children_have_larger_heads_and_shorter_legs():
    boy, man = get_preset("Model_Boy").skeleton().segments, get_preset("Model_Man01").skeleton().segments
    assert boy.head_radius / boy.height > 1.2 * man.head_radius / man.height
    assert boy.leg_length / boy.height < man.leg_length / man.height


def test_strength_scales_with_size_and_age():
    heavy = get_preset("Model_Man02").skeleton().link("right_thigh").strength
    child = get_preset("Model_Boy").skeleton().link("right_thigh").strength
    man = get_preset("Model_Man01").skeleton().link("right_thigh").strength
    elderly = get_preset("Model_ElderlyWoman").skeleton().link("right_thigh").strength
    assert heavy > man > elderly > child


def test_shape_validation_names_the_parameter():
    with pytest.raises(ValueError, match="height"):
        BodyShape(height=3.0).validate()
    with pytest.raises(ValueError, match="body mass index"):
        BodyShape(height=1.9, mass=30.0).validate()


def test_sampling_is_deterministic_and_stays_near_the_preset():
    a = sample_actor("Model_Girl", np.random.default_rng(5))
    b = sample_actor("Model_Girl", np.random.default_rng(5))
    c = sample_actor("Model_Girl", np.random.default_rng(6))
    assert a == b and a != c
    base = get_preset("Model_Girl").shape
    assert abs(a[0].height / base.height - 1) < 0.05
    assert sample_actor("Model_Girl", np.random.default_rng(5), spread=0.0) == (base, get_preset("Model_Girl").appearance)


def test_blend_between_presets():
    a, b = get_preset("Model_Boy").shape, get_preset("Model_Man02").shape
    assert dataclasses.asdict(blend_shapes(a, b, 0.0)) == pytest.approx(dataclasses.asdict(a))
    mid = blend_shapes(a, b, 0.5)
    assert a.height < mid.height < b.height
    assert mid.mass == pytest.approx(np.sqrt(a.mass * b.mass))
    assert dataclasses.asdict(blend_shapes(a, b, 1.0)) == pytest.approx(dataclasses.asdict(b))

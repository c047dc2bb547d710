"""Worlds render: every environment x day phase x weather, Sky outdoors and not indoors, wet ground."""

import numpy as np
import pytest

from phav.labels import class_id
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings
from phav.seeding import video_rng
from phav.spec import DayPhase, Environment, Weather
from phav.worlds.environments import build_environment
from world_takes import world_take

SKY = class_id("Sky")


@pytest.fixture(scope="module")
def scenes():
    return {env: build_environment(env, video_rng(0, "world")) for env in Environment}


@pytest.mark.gl
@pytest.mark.parametrize("env", list(Environment), ids=lambda e: e.value)
def test_every_day_phase_and_weather_renders_without_gl_errors(env, scenes, gl_context):
    with Renderer(32, 24, quality_settings("phav")) as renderer:
        for phase in DayPhase:
            for weather in Weather:
                take = world_take(env, phase, weather, scene=scenes[env])
                frames = list(renderer.render_take(take, ("img", "classgt")))
                assert len(frames) == 2 and frames[0].img.shape == (24, 32, 3)
                assert gl_context.error == "GL_NO_ERROR", (env.value, phase.value, weather.value)


@pytest.mark.gl
def test_outdoor_day_frames_show_sky_and_indoor_frames_do_not(scenes):
    with Renderer(64, 48, quality_settings("preview")) as renderer:
        for env in Environment:
            take = world_take(env, DayPhase.DAY, Weather.CLEAR, width=64, height=48, scene=scenes[env])
            for frame in renderer.render_take(take, ("classgt",)):
                has_sky = bool((frame.semantic == SKY).any())
                assert has_sky == (env != Environment.HOUSE), (env.value, frame.index)


@pytest.mark.gl
def test_labels_follow_the_instance_convention_in_every_world(scenes):
    """Sky exactly where the depth is infinite; stuff classes never in an instance; every instance
    in the table, its pixels of the classes its meshes carry (a person's body parts, a lamp post's
    Pole and Lamp); the scenery, whatever its class, has instance 0."""
    from phav.labels import STUFF_CLASSES

    stuff = [class_id(n) for n in STUFF_CLASSES]
    with Renderer(96, 72, quality_settings("preview")) as renderer:
        for env in Environment:
            take = world_take(env, DayPhase.DAY, Weather.CLEAR, width=96, height=72, scene=scenes[env])
            classes = {inst.id: set() for inst in take.instances}
            for k, name in enumerate(take.part_names):
                if take.part_instance[k]:
                    classes[int(take.part_instance[k])] |= set(take.meshes[take.part_mesh[k]].semantic.tolist())
            for skin in take.skins:  # a skin belongs to the instance of its first bone part
                classes[int(take.part_instance[skin.bone_parts[0]])] |= set(skin.mesh.semantic.tolist())
            for frame in renderer.render_take(take, ("depth", "classgt", "instancegt")):
                sem, ins = frame.semantic, frame.instance
                assert np.array_equal(sem == SKY, np.isinf(frame.depth)), env.value
                assert not ins[np.isin(sem, stuff)].any(), (env.value, sorted(set(sem[ins > 0].tolist())))
                for iid in np.unique(ins[ins > 0]).tolist():
                    assert iid in classes, (env.value, iid)
                    assert set(sem[ins == iid].tolist()) <= classes[iid], (env.value, iid)


@pytest.mark.gl
def test_rainy_ground_reflects_and_clear_ground_does_not(scenes):
    """The take carries the wetness; the lit ground (Terrain/Road pixels) is darker when wet, and
    its pixels vary more (reflections of the surroundings) than on the dry ground."""
    env = Environment.PLAIN
    clear = world_take(env, DayPhase.DAY, Weather.CLEAR, width=96, height=72, scene=scenes[env])
    rainy = world_take(env, DayPhase.DAY, Weather.RAINY, width=96, height=72, scene=scenes[env])
    assert clear.atmosphere.wetness.max() == 0.0 and rainy.atmosphere.wetness.min() >= 0.7
    clear.sun_color[:] = rainy.sun_color  # same light: only the ground's wetness differs
    for name in ("sky_zenith", "sky_horizon", "ambient"):
        getattr(clear, name)[:] = getattr(rainy, name)
    rainy.atmosphere.fog_density[:] = 0.0
    rainy.atmosphere.precipitation_rate[:] = 0.0
    with Renderer(96, 72, quality_settings("phav")) as renderer:
        dry = next(iter(renderer.render_take(clear, ("raw", "classgt"))))
        wet = next(iter(renderer.render_take(rainy, ("raw", "classgt"))))
    ground = np.isin(dry.semantic, [class_id("Terrain"), class_id("Road")])
    assert ground.sum() > 500
    assert not np.array_equal(dry.raw[ground], wet.raw[ground])

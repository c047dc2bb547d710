"""Scaling cases: render-only frames/s against the output size and against the number of people.

* ``scale_<W>x<H>``: the suite's video (a Walk, seed 0) simulated at each size, so the camera's ``K``
  fits it exactly, then rendered from the saved take with the ``phav`` preset, every target read back.
* ``people_<N>``: ``N`` people walking side by side on the Plain stage, filmed by one fixed camera
  that frames all eight, rendered from the saved take at the suite's size with the ``phav`` preset,
  every target read back. Render only: the physics of ``N`` people is the ``physics_<N>`` case.

Each figure is the median of several runs after a warm-up (:func:`benchmarks.timing.measure`); the
read-backs wait for the GL, so it has finished before the clock stops. Simulation, skin builds and
GL context creation are outside the timed part; each run includes the take's upload, as every
``render_take`` call does, so the short takes of ``--quick`` (2 frames) read a little low at the
smallest sizes.
"""

from __future__ import annotations

from phav.frames import MODALITIES
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings
from phav.spec import VideoSpec
from phav.take import Take

from benchmarks.timing import measure

#: Output sizes of the resolution cases (width, height): 4:3-ish, each twice the last.
SIZES: tuple[tuple[int, int], ...] = ((170, 128), (340, 256), (680, 512), (1360, 1024))
#: People counts of the people cases.
PEOPLE: tuple[int, ...] = (1, 2, 4, 8)
#: Metres between neighbouring people (side by side, all walking along +x).
PEOPLE_SPACING = 1.5


def _render_record(case: str, take: Take, quality: str, repeats: int, settings: dict) -> dict:
    """Render-only rate of ``take`` (every modality) with the preset ``quality``, in a renderer of
    the take's size made for the case."""
    with Renderer(take.width, take.height, quality_settings(quality)) as renderer:
        def work() -> int:
            return sum(1 for _ in renderer.render_take(take, MODALITIES))

        stats = measure(work, repeats)
        gl_renderer = renderer.gl_renderer
    return {"case": case, "unit": "frames/s", **stats, "same_scene_as_pybullet": False,
            "settings": {"quality": quality, "size": f"{take.width}x{take.height}", "modalities": list(MODALITIES),
                         "frames": take.num_frames, "gl_renderer": gl_renderer, **settings}}


def resolution_cases(spec: VideoSpec, frames: int, repeats: int, quality: str = "phav",
                     sizes: tuple[tuple[int, int], ...] = SIZES) -> list[dict]:
    """One ``scale_<W>x<H>`` record per size: ``spec`` (``frames`` long) simulated at that size and
    rendered from the take; ``megapixels_per_s`` is frames/s times the frame's pixels / 1e6."""
    from phav.scenario import Scenario

    out = []
    for width, height in sizes:
        take = Scenario(spec.replace(width=width, height=height, frames=frames).validate()).simulate()
        record = _render_record(f"scale_{width}x{height}", take, quality, repeats,
                                {"mode": "render only", "note": f"{width}x{height}, {quality}, all targets"})
        record["megapixels_per_s"] = record["median_per_s"] * width * height / 1e6
        out.append(record)
    return out


def crowd_take(people: int, frames: int, width: int, height: int, seed: int = 0) -> Take:
    """A take of ``people`` sampled bodies of ``Model_Default`` walking side by side along +x on the
    Plain stage, ``PEOPLE_SPACING`` apart and centred on y = 0, filmed from a fixed camera 12 m ahead
    that frames a row of eight (so every count is seen the same way)."""
    from phav.api import CameraPoses, Scene

    scene = Scene("Plain", frames=frames, size=(width, height), seed=seed)
    for i in range(people):
        scene.add_person("Walk", position=(0.0, PEOPLE_SPACING * (i - (people - 1) / 2)), heading=0.0)
    scene.add_camera(CameraPoses.look_at((12.0, 0.0, 3.0), (0.5, 0.0, 0.9), vertical_fov_deg=50.0))
    return scene.simulate()


def people_cases(width: int, height: int, frames: int, repeats: int, quality: str = "phav",
                 counts: tuple[int, ...] = PEOPLE) -> list[dict]:
    """One ``people_<N>`` record per count: a :func:`crowd_take` rendered from the saved take."""
    out = []
    for n in counts:
        take = crowd_take(n, frames, width, height)
        out.append(_render_record(f"people_{n}", take, quality, repeats,
                                  {"mode": "render only", "people": n, "skins": len(take.skins),
                                   "note": f"{n} people, {quality}, all targets"}))
    return out

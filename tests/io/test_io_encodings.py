"""Round trips of the array encodings and the Pillow image codecs."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from PIL import Image

from phav.io import depth, flow, images, segmentation
from phav.io.instances_txt import INSTANCES_HEADER, format_instances, parse_instances, read_instances, write_instances
from phav.labels import NUM_CLASSES, PALETTE
from phav.take import Instance

RNG = np.random.default_rng(0)


# ---- depth ------------------------------------------------------------------------------------
def test_depth_round_trip_to_one_centimetre():
    z = RNG.uniform(0.0, 650.0, size=(37, 53)).astype(np.float32)
    z[0, :5] = [np.inf, 655.35, 700.0, 655.344, 0.0]
    enc = depth.encode_depth(z)
    assert enc.dtype == np.uint16 and enc.shape == z.shape
    assert enc[0, 0] == 65535 and enc[0, 1] == 65535 and enc[0, 2] == 65535 and enc[0, 4] == 0
    assert enc[0, 3] == 65534
    dec = depth.decode_depth(enc)
    assert dec.dtype == np.float32
    assert np.isinf(dec[0, :3]).all()
    finite = enc != 65535
    assert np.all(np.abs(dec[finite] - z[finite]) <= 0.005 + 1e-5)
    assert np.array_equal(depth.encode_depth(dec), enc)  # decode -> encode is the identity


def test_depth_rejects_nan_and_negative():
    with pytest.raises(ValueError, match="NaN"):
        depth.encode_depth(np.array([[np.nan]], dtype=np.float32))
    with pytest.raises(ValueError, match="negative"):
        depth.encode_depth(np.array([[-1.0]], dtype=np.float32))


def test_depth_of_a_scalar_or_of_python_objects_is_encoded_as_float64():
    assert depth.encode_depth(np.float32(3.0)) == 300 and depth.encode_depth(np.float32(3.0)).dtype == np.uint16
    assert depth.encode_depth(np.inf) == 65535
    assert np.array_equal(depth.encode_depth(np.array([[1.0, 2.5, np.inf]], dtype=object)), [[100, 250, 65535]])
    with pytest.raises(ValueError, match="could not convert string to float"):
        depth.encode_depth(np.array([["1.0", "deep"]], dtype=object))
    with pytest.raises(ValueError, match="negative"):
        depth.encode_depth(np.array([[1.0, -2.0]], dtype=object))


# ---- flow -------------------------------------------------------------------------------------
def test_flow_round_trip_to_one_64th_pixel():
    f = RNG.normal(scale=30.0, size=(31, 45, 2)).astype(np.float32)
    f[0, 0] = [1000.0, -1000.0]  # beyond the range: clipped
    fx, fy = flow.encode_flow(f)
    assert fx.dtype == np.uint16 and fx.shape == f.shape[:2]
    assert fx[0, 0] == 65535 and fy[0, 0] == 0
    dec = flow.decode_flow(fx, fy)
    assert dec.dtype == np.float32 and dec.shape == f.shape
    inner = np.ones(f.shape[:2], bool)
    inner[0, 0] = False
    assert np.max(np.abs(dec[inner] - f[inner])) <= 0.5 / 64 + 1e-6
    assert np.array_equal(np.stack(flow.encode_flow(dec), -1), np.stack([fx, fy], -1))
    assert flow.encode_flow(np.zeros((1, 1, 2), np.float32))[0][0, 0] == 32768


def test_flow_encoding_equals_the_float64_formula_for_every_float32():
    """float32 flow is encoded in float32; the file values are those of the documented formula
    ``clip(round(f * 64) + 32768, 0, 65535)`` in float64, also at halves, range ends and overflow."""
    steps = np.arange(-40000, 40000, dtype=np.float64) / 64.0
    values = np.concatenate([
        steps, steps + 1 / 128, steps - 1 / 128,  # exact halves of a 1/64 px step (round half to even)
        RNG.normal(scale=300.0, size=20000), RNG.normal(scale=1e7, size=2000),
        [511.9921875, 512.0, -512.0, 262143.99, 16744448 / 64, -16744448 / 64, 3.4e38, -3.4e38, 1e-45, -0.0],
    ]).astype(np.float32)
    f = values[: values.size // 2 * 2].reshape(1, -1, 2)
    expected = np.clip(np.rint(f.astype(np.float64) * 64.0) + 32768.0, 0, 65535).astype(np.uint16)
    fx, fy = flow.encode_flow(f)
    assert fx.flags.c_contiguous and fy.flags.c_contiguous
    assert np.array_equal(fx, expected[..., 0]) and np.array_equal(fy, expected[..., 1])
    f64 = f.astype(np.float64) * (1 + 1e-7)  # other dtypes: encoded in float64
    expected = np.clip(np.rint(f64 * 64.0) + 32768.0, 0, 65535).astype(np.uint16)
    assert all(np.array_equal(a, b) for a, b in zip(flow.encode_flow(f64), (expected[..., 0], expected[..., 1])))


def test_depth_encoding_equals_the_float64_formula():
    z = np.concatenate([np.arange(0, 70000) / 100.0 + d for d in (0.0, 0.005, -0.005 + 1e-9)]
                       + [[np.inf, 655.35, 655.345, 655.355, 1e30]])
    z = np.abs(z)[None]
    for values in (z.astype(np.float32), z):
        expected = np.minimum(np.rint(np.minimum(values.astype(np.float64), 655.35) * 100.0), 65535).astype(np.uint16)
        assert np.array_equal(depth.encode_depth(values), expected)


def test_flow_validity_round_trip():
    valid = RNG.random((20, 30)) > 0.5
    enc = flow.encode_flow_valid(valid)
    assert enc.dtype == np.uint8 and set(np.unique(enc).tolist()) <= {0, 255}
    assert np.array_equal(flow.decode_flow_valid(enc), valid)


def test_flow_the_files_cannot_hold_is_not_written_as_valid(tmp_path):
    """Beyond about +-512 px the 16-bit codes clip: such pixels are written invalid, whatever the
    renderer said (only images wider or taller than 511 px can have valid flow that long)."""
    from phav.io.video_folder import frame_file_writers

    f = np.zeros((8, 700, 2), np.float32)
    f[0, :4] = (600.0, 0.0)       # clipped to +511.98
    f[1, :4] = (0.0, -512.5)      # clipped to -512
    f[2, :4] = (511.9, -511.9)    # held
    valid = np.ones((8, 700), bool)
    fx, fy = flow.encode_flow(f)
    kept = flow.representable(valid, fx, fy)
    assert not kept[0, :4].any() and not kept[1, :4].any() and kept[2:].all() and kept[:2, 4:].all()
    small = np.ones((8, 511), bool)
    assert flow.representable(small, *flow.encode_flow(np.full((8, 511, 2), 600, np.float32))) is small
    (kind, write), = [(k, w) for k, w in frame_file_writers({"flow": f, "flow_valid": valid}, []) if k == "flow_valid"]
    write(tmp_path / "v.png")
    assert np.array_equal(flow.decode_flow_valid(images.read_png8(tmp_path / "v.png")), kept)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_flow_rejects_non_finite(bad, dtype):
    f = np.zeros((3, 4, 2), dtype)
    f[2, 1, 1] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        flow.encode_flow(f)
    with pytest.raises(ValueError, match="shape"):
        flow.encode_flow(np.zeros((3, 4, 3), dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_flow_with_both_infinities_is_refused_without_a_warning(dtype):
    f = np.zeros((3, 4, 2), dtype)
    f[0, 1, 0], f[2, 3, 1] = np.inf, -np.inf  # their sum is NaN: no "invalid value" warning on the way
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="NaN or infinite"):
            flow.encode_flow(f)


def test_tsn_flow_encoding_and_inverse():
    f = np.linspace(-25, 25, 101, dtype=np.float32).reshape(1, -1)
    v = flow.encode_tsn_flow(f)
    assert v.dtype == np.uint8 and v[0, 0] == 0 and v[0, -1] == 255
    assert v[0, 50] == 128  # f = 0 -> round(127.5) = 128 (half to even)
    expected = np.rint((np.clip(f, -20, 20) + 20) * 255 / 40)
    assert np.array_equal(v, expected.astype(np.uint8))
    back = flow.decode_tsn_flow(v)
    assert np.max(np.abs(back - np.clip(f, -20, 20))) <= 20 / 255 + 1e-5


# ---- semantic -----------------------------------------------------------------------------------
def test_semantic_round_trip_exact_and_palette_only():
    ids = RNG.integers(0, NUM_CLASSES, size=(40, 50), dtype=np.uint8)
    rgb = segmentation.encode_semantic(ids)
    assert rgb.dtype == np.uint8 and rgb.shape == (40, 50, 3)
    palette = {tuple(c) for c in PALETTE[:NUM_CLASSES].tolist()}
    assert {tuple(c) for c in rgb.reshape(-1, 3).tolist()} <= palette
    assert np.array_equal(segmentation.decode_semantic(rgb), ids)


def test_palette_colours_are_unique():
    assert len({tuple(c) for c in PALETTE[:NUM_CLASSES].tolist()}) == NUM_CLASSES


def test_semantic_errors():
    with pytest.raises(ValueError, match="not a PHAV class"):
        segmentation.encode_semantic(np.array([[63]], np.uint8))
    rgb = segmentation.encode_semantic(np.zeros((3, 3), np.uint8))
    rgb[1, 1] = (1, 2, 3)
    with pytest.raises(ValueError, match=r"\(1, 2, 3\)"):
        segmentation.decode_semantic(rgb)


# ---- instance -----------------------------------------------------------------------------------
INSTANCES = [Instance(7, "car_0", 11, (255, 0, 0)), Instance(1, "Alice", 13, (0, 0, 255)),
             Instance(300, "ball_1", 30, (1, 2, 3))]


def test_instance_round_trip_exact():
    ids = RNG.choice([0, 1, 7, 300], size=(33, 44)).astype(np.uint16)
    rgb = segmentation.encode_instance(ids, INSTANCES)
    assert np.array_equal(rgb[ids == 0], np.zeros(((ids == 0).sum(), 3), np.uint8))
    assert np.array_equal(rgb[ids == 300][0], [1, 2, 3])
    assert np.array_equal(segmentation.decode_instance(rgb, INSTANCES), ids)


def test_instance_errors():
    with pytest.raises(ValueError, match=r"\[5\]"):
        segmentation.encode_instance(np.array([[5]], np.uint16), INSTANCES)
    with pytest.raises(ValueError, match="already used"):
        segmentation.instance_table([Instance(1, "a", 13, (1, 1, 1)), Instance(2, "b", 13, (1, 1, 1))])
    with pytest.raises(ValueError, match="background"):
        segmentation.instance_table([Instance(1, "a", 13, (0, 0, 0))])
    with pytest.raises(ValueError, match="not in the table"):
        segmentation.decode_instance(np.full((2, 2, 3), 9, np.uint8), INSTANCES)


def test_instances_txt_round_trip(tmp_path):
    path = tmp_path / "instances.txt"
    write_instances(path, INSTANCES)
    text = path.read_text()
    assert text.splitlines()[0] == INSTANCES_HEADER
    assert text.splitlines()[1] == "Alice 0 0 255"  # id order
    assert read_instances(path) == [("Alice", (0, 0, 255)), ("car_0", (255, 0, 0)), ("ball_1", (1, 2, 3))]


def test_instances_txt_rejects_bad_names_and_lines():
    with pytest.raises(ValueError, match="without spaces"):
        format_instances([Instance(1, "two words", 13, (1, 2, 3))])
    with pytest.raises(ValueError, match="line 2"):
        parse_instances("# name R G B\nAlice 1 2\n")
    with pytest.raises(ValueError, match="line 2"):
        parse_instances("# name R G B\nAlice 1 2 256\n")


# ---- image codecs -----------------------------------------------------------------------------
def test_png16_round_trip_exact(tmp_path):
    a = RNG.integers(0, 65536, size=(29, 41), dtype=np.uint16)
    a[0, :3] = [0, 65535, 256]
    path = tmp_path / "d.png"
    images.write_png16(path, a)
    with Image.open(path) as im:
        assert im.mode == "I;16" and im.format == "PNG"
    b = images.read_png16(path)
    assert b.dtype == np.uint16 and np.array_equal(a, b)
    raw = path.read_bytes()
    assert raw[24] == 16 and raw[25] == 0  # IHDR bit depth 16, colour type grey


def test_png8_and_rgb_round_trip_exact(tmp_path):
    g = RNG.integers(0, 256, size=(10, 12), dtype=np.uint8)
    images.write_png8(tmp_path / "g.png", g)
    assert np.array_equal(images.read_png8(tmp_path / "g.png"), g)
    rgb = RNG.integers(0, 256, size=(10, 12, 3), dtype=np.uint8)
    images.write_png_rgb(tmp_path / "c.png", rgb)
    assert np.array_equal(images.read_png_rgb(tmp_path / "c.png"), rgb)
    with pytest.raises(ValueError, match="RGB"):
        images.read_png_rgb(tmp_path / "g.png")
    with pytest.raises(ValueError, match="uint16"):
        images.write_png16(tmp_path / "x.png", g)


def _ground_truth_like(h: int = 256, w: int = 340) -> dict[str, np.ndarray]:
    """Piecewise planar depth (ground, a wall, sky), a person, and their labels: what the PNGs hold."""
    v, u = np.mgrid[0:h, 0:w]
    ground = np.rint(100 * 1.6 * 60.0 / np.maximum(v - h / 2 + 0.5, 0.5)).clip(0, 65535)
    depth_cm = np.where(v > h / 2, ground, 65535).astype(np.uint16)
    wall = (u > 220) & (v > 40)
    depth_cm[wall] = (1200 + 3 * u[wall]).astype(np.uint16)
    person = (np.abs(u - 110) < 20) & (v > 60) & (v < 220)
    depth_cm[person] = 500
    labels = np.where(v > h / 2, 2, 1).astype(np.uint8)
    labels[wall], labels[person] = 3, 10 + (v[person] // 20)
    return {"depth": depth_cm, "labels": labels, "rgb": PALETTE[labels].astype(np.uint8)}


def test_png_defaults_give_exact_files_for_an_independent_decoder():
    import png  # pypng: a decoder that shares no code with Pillow's encoder

    gt = _ground_truth_like()
    for write, array in ((images.write_png16, gt["depth"]), (images.write_png8, gt["labels"]),
                         (images.write_png_rgb, gt["rgb"])):
        buf = io.BytesIO()
        write(buf, array)
        w, h, rows, info = png.Reader(bytes=buf.getvalue()).read()
        back = np.array([list(r) for r in rows]).reshape(array.shape)
        assert (w, h) == (array.shape[1], array.shape[0]) and np.array_equal(back, array)


def test_ground_truth_pngs_are_a_small_fraction_of_their_samples_and_smaller_than_at_level_0():
    for name, array in _ground_truth_like().items():
        write = {"depth": images.write_png16, "labels": images.write_png8, "rgb": images.write_png_rgb}[name]
        sizes = {}
        for level in (0, images.PNG_LEVEL):
            buf = io.BytesIO()
            write(buf, array, level=level)
            sizes[level] = len(buf.getvalue())
        assert sizes[images.PNG_LEVEL] < 0.1 * array.nbytes, (name, sizes, array.nbytes)
        assert sizes[images.PNG_LEVEL] < sizes[0], (name, sizes)  # level 0 is the fastest and biggest
    with pytest.raises(ValueError, match="level"):
        images.write_png8(io.BytesIO(), np.zeros((2, 2), np.uint8), level=10)
    with pytest.raises(ValueError, match="row filter"):
        images.write_png8(io.BytesIO(), np.zeros((2, 2), np.uint8), row_filter="paeth")


def test_every_ground_truth_file_kind_has_a_filter_strategy_and_level_the_encoder_knows():
    from phav.io import layout, png

    pngs = {kind for kind, pattern in layout.FRAME_PATTERNS.items() if pattern.endswith(".png")}
    assert set(images.PNG_SETTINGS) == pngs
    assert all(f in png.ROW_FILTERS and s in png.STRATEGIES and level in png.LEVELS and level > 0
               for f, s, level in images.PNG_SETTINGS.values())
    assert images.PNG_LEVEL in png.LEVELS


def test_a_png_writer_given_bad_input_leaves_no_file(tmp_path):
    with pytest.raises(ValueError, match="uint16"):
        images.write_png16(tmp_path / "x.png", np.zeros((2, 2), np.uint8))
    with pytest.raises(ValueError, match="row filter"):
        images.write_png16(tmp_path / "y.png", np.zeros((2, 2), np.uint16), row_filter="avg")
    assert list(tmp_path.iterdir()) == []


def test_jpeg_quality_and_subsampling(tmp_path):
    yy, xx = np.mgrid[0:64, 0:80]
    rgb = np.stack([xx * 3, yy * 4, (xx + yy) * 2], -1).astype(np.uint8)
    sizes = {}
    for q in (50, 90):
        buf = io.BytesIO()
        images.write_jpeg(buf, rgb, quality=q)
        sizes[q] = buf.tell()
        buf.seek(0)
        back = images.read_jpeg(buf)
        assert back.shape == rgb.shape and np.abs(back.astype(int) - rgb).mean() < 4
    assert sizes[90] > sizes[50]
    images.write_jpeg(tmp_path / "a.jpg", rgb, subsampling="4:4:4")
    with Image.open(tmp_path / "a.jpg") as im:
        from PIL import JpegImagePlugin

        assert JpegImagePlugin.get_sampling(im) == 0  # 4:4:4
    images.write_jpeg(tmp_path / "b.jpg", rgb)
    with Image.open(tmp_path / "b.jpg") as im:
        assert JpegImagePlugin.get_sampling(im) == 2  # 4:2:0 default
    with pytest.raises(ValueError):
        images.write_jpeg(tmp_path / "c.jpg", rgb, quality=0)

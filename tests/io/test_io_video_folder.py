"""VideoFolderWriter: layout, decoded contents, atomicity, errors, determinism."""

from __future__ import annotations

import errno
import os
import stat
import threading

import numpy as np
import pytest
from io_synth import FIXED_VERSIONS, T, make_frame

from phav.io import depth, flow, images, layout, segmentation
from phav.io.annotations import build_annotations
from phav.io.instances_txt import read_instances
from phav.io.params import read_params
from phav.io.video_folder import VideoFolderWriter
from phav.labels import NUM_CLASSES, PALETTE
from phav.spec import VideoSpec


def _write(root, spec, take, frames, **kw):
    kw.setdefault("versions", FIXED_VERSIONS)
    with VideoFolderWriter(root, spec, take, resolved_clip="walk", gl_renderer="test", **kw) as w:
        for f in frames:
            w.write_frame(f)
        return w.commit()


def _entries(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_writes_the_layout_and_contents_decode(tmp_path, spec, take, frames):
    path = _write(tmp_path, spec, take, frames, workers=2, max_pending=1)
    assert path == tmp_path / "Walk" / spec.folder_name("walk")
    names = set(os.listdir(path))
    for n in range(1, T + 1):
        for kind in layout.FRAME_PATTERNS:
            assert layout.frame_file(kind, n) in names
    assert {"instances.txt", "annotations.json", "params.json"} <= names
    assert len(names) == T * len(layout.FRAME_PATTERNS) + 3
    assert os.listdir(path.parent) == [path.name]  # no temporary folder left
    for f in frames:
        n = f.index + 1
        d = depth.decode_depth(images.read_png16(path / f"depth_{n:05d}.png"))
        finite = np.isfinite(f.depth)
        assert np.array_equal(np.isinf(d), ~finite) and np.max(np.abs(d[finite] - f.depth[finite])) <= 0.00501
        fl = flow.decode_flow(images.read_png16(path / f"flow_x_{n:05d}.png"), images.read_png16(path / f"flow_y_{n:05d}.png"))
        assert np.max(np.abs(fl - f.flow)) <= 0.5 / 64 + 1e-6
        assert np.array_equal(flow.decode_flow_valid(images.read_png8(path / f"flow_valid_{n:05d}.png")), f.flow_valid)
        cls = images.read_png_rgb(path / f"classgt_{n:05d}.png")
        palette = {tuple(c) for c in PALETTE[:NUM_CLASSES].tolist()}
        assert {tuple(c) for c in np.unique(cls.reshape(-1, 3), axis=0).tolist()} <= palette
        assert np.array_equal(segmentation.decode_semantic(cls), f.semantic)
        inst = images.read_png_rgb(path / f"instancegt_{n:05d}.png")
        assert np.array_equal(segmentation.decode_instance(inst, take.instances), f.instance)
        img = images.read_jpeg(path / f"img_{n:05d}.jpg")
        assert img.shape == f.img.shape
    assert not flow.decode_flow_valid(images.read_png8(path / f"flow_valid_{T:05d}.png")).any()


def test_instance_colours_unique_and_match_instances_txt(tmp_path, spec, take, frames):
    path = _write(tmp_path, spec, take, frames)
    table = read_instances(path / "instances.txt")
    assert [name for name, _ in table] == [i.name for i in sorted(take.instances, key=lambda i: i.id)]
    colours = [rgb for _, rgb in table]
    assert len(set(colours)) == len(colours) and (0, 0, 0) not in colours
    used = set()
    for n in range(1, T + 1):
        inst = images.read_png_rgb(path / f"instancegt_{n:05d}.png")
        used |= {tuple(c) for c in np.unique(inst.reshape(-1, 3), axis=0).tolist()}
    assert used <= set(colours) | {(0, 0, 0)}
    assert used == set(colours) | {(0, 0, 0)}


def test_annotations_and_params_written(tmp_path, spec, take, frames):
    path = _write(tmp_path, spec, take, frames)
    import json

    ann = json.loads((path / "annotations.json").read_text())
    assert ann == json.loads(json.dumps(build_annotations(take, [f.depth for f in frames], [f.instance for f in frames],
                                                          [f.semantic for f in frames])))
    assert all(fr["visibility_maps"] == ["depth", "instance", "semantic"] for fr in ann["frames"])
    p = read_params(path / "params.json")
    assert VideoSpec.from_dict(p["spec"]) == spec and p["gl_renderer"] == "test"
    assert p["modalities"] == ["img", "raw", "depth", "flow", "classgt", "instancegt"]


def test_modality_subset(tmp_path, spec, take, frames):
    path = _write(tmp_path, spec, take, frames, modalities=("depth",))
    assert sorted(os.listdir(path)) == ["annotations.json"] + [f"depth_{n:05d}.png" for n in range(1, T + 1)] + ["params.json"]


def test_deterministic_bytes(tmp_path, spec, take, frames):
    a = _write(tmp_path / "a", spec, take, frames, workers=3)
    b = _write(tmp_path / "b", spec, take, list(reversed(frames)), workers=1)
    assert sorted(os.listdir(a)) == sorted(os.listdir(b))
    for name in os.listdir(a):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_existing_folder_without_overwrite_raises_before_writing(tmp_path, spec, take, frames, monkeypatch):
    path = _write(tmp_path, spec, take, frames)
    before = {p: p.stat().st_mtime_ns for p in path.iterdir()}
    calls = []
    monkeypatch.setattr(images, "write_png16", lambda *a, **k: calls.append(a))
    with pytest.raises(FileExistsError, match="--overwrite"):
        VideoFolderWriter(tmp_path, spec, take, resolved_clip="walk")
    assert calls == [] and _entries(tmp_path) == sorted(str(p.relative_to(tmp_path)) for p in [path.parent, path, *before])
    assert {p: p.stat().st_mtime_ns for p in path.iterdir()} == before


def test_overwrite_replaces_only_at_commit(tmp_path, spec, take, frames):
    path = _write(tmp_path, spec, take, frames)
    (path / "stale.txt").write_text("old")
    w = VideoFolderWriter(tmp_path, spec, take, resolved_clip="walk", overwrite=True, modalities=("depth",))
    for f in frames:
        w.write_frame(f)
    assert (path / "stale.txt").exists() and (path / "img_00001.jpg").exists()  # old video intact until commit
    w.commit()
    assert not (path / "stale.txt").exists() and not (path / "img_00001.jpg").exists()
    assert (path / "depth_00001.png").exists()
    assert os.listdir(path.parent) == [path.name]


def test_overwrite_replaces_a_file_in_the_folders_place_and_leaves_nothing_hidden(tmp_path, spec, take, frames):
    path = tmp_path / "Walk" / spec.folder_name("walk")
    path.parent.mkdir()
    path.write_text("a file where the video goes")
    assert _write(tmp_path, spec, take, frames, overwrite=True) == path
    assert path.is_dir() and os.listdir(path.parent) == [path.name]  # no .old-<pid> file left


def fill_the_disk_at(file_stem: str, monkeypatch) -> None:
    """Writing the 16-bit PNG named ``file_stem`` fails as on a full disk (ENOSPC)."""
    real = images.write_png16

    def full_disk(path, image, *a, **k):
        if file_stem in str(path):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, image, *a, **k)

    monkeypatch.setattr(images, "write_png16", full_disk)


def test_output_errors_name_the_video_folder_asked_for_in_one_plain_line(tmp_path, spec, take, frames, monkeypatch):
    """Not the hidden .partial folder the files go to first, and no [Errno N] before the message;
    the error keeps its errno."""
    fill_the_disk_at("depth_00002", monkeypatch)
    with pytest.raises(OSError) as info:
        _write(tmp_path, spec, take, frames)
    folder = tmp_path / "Walk" / spec.folder_name("walk")
    assert str(info.value) == (f"cannot write {folder / 'depth_00002.png'}: the disk is full; free space or choose "
                               "another output folder")
    assert info.value.errno == errno.ENOSPC


def test_exception_mid_video_leaves_no_folder(tmp_path, spec, take, frames):
    with pytest.raises(RuntimeError, match="boom"):
        with VideoFolderWriter(tmp_path, spec, take, resolved_clip="walk") as w:
            w.write_frame(frames[0])
            w.write_frame(frames[1])
            raise RuntimeError("boom")
    assert os.listdir(tmp_path / "Walk") == []
    assert w.state == "aborted"


def test_full_disk_leaves_no_folder_and_names_the_file(tmp_path, spec, take, frames, monkeypatch):
    fill_the_disk_at("depth_00002", monkeypatch)
    with pytest.raises(OSError) as info:
        with VideoFolderWriter(tmp_path, spec, take, resolved_clip="walk", workers=2, max_pending=1) as w:
            for f in frames:
                w.write_frame(f)
    assert info.value.errno == errno.ENOSPC
    assert "depth_00002.png" in str(info.value) and "disk is full" in str(info.value)
    assert os.listdir(tmp_path / "Walk") == []


def test_encoder_error_surfaces_at_commit(tmp_path, spec, take, frames, monkeypatch):
    gate = threading.Event()

    def slow_fail(path, image, *a, **k):
        gate.wait(5)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(images, "write_png16", slow_fail)
    w = VideoFolderWriter(tmp_path, spec, take, resolved_clip="walk", modalities=("depth",), max_pending=100)
    for f in frames:
        w.write_frame(f)  # nothing failed yet
    gate.set()
    with pytest.raises(OSError, match="disk is full"):
        w.commit()
    assert os.listdir(tmp_path / "Walk") == [] and w.state == "aborted"
    with pytest.raises(RuntimeError, match="aborted"):
        w.write_frame(frames[0])


def test_unwritable_output_path(tmp_path, spec, take):
    if os.geteuid() == 0:
        pytest.skip("root ignores permissions")
    root = tmp_path / "ro"
    (root / "Walk").mkdir(parents=True)
    os.chmod(root / "Walk", stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(PermissionError, match="ro/Walk"):
            VideoFolderWriter(root, spec, take, resolved_clip="walk")
        assert os.listdir(root / "Walk") == []
    finally:
        os.chmod(root / "Walk", stat.S_IRWXU)


def test_output_root_is_a_file(tmp_path, spec, take):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError, match="file"):
        VideoFolderWriter(tmp_path / "file", spec, take, resolved_clip="walk")


@pytest.mark.parametrize("changes, words", [
    ({"frames": T + 1}, f"the take has {T} frames but the spec says {T + 1}"),
    ({"width": 2 * T + 64}, "differs from the spec's"),
    ({"seed": 8}, "simulated with seed 7 but the spec says 8"),
])
def test_a_spec_that_does_not_describe_the_take_is_refused_before_anything_is_written(tmp_path, spec, take, changes,
                                                                                        words):
    take.meta["seed"] = spec.seed
    with pytest.raises(ValueError, match=words):
        VideoFolderWriter(tmp_path, spec.replace(**changes), take, resolved_clip="walk")
    assert _entries(tmp_path) == []


def test_frame_checks(tmp_path, spec, take, frames):
    with VideoFolderWriter(tmp_path, spec, take, resolved_clip="walk", modalities=("depth", "flow")) as w:
        bad = make_frame(0)
        bad.flow_valid = None
        with pytest.raises(ValueError, match="flow_valid"):
            w.write_frame(bad)
        bad = make_frame(0)
        bad.depth = bad.depth[:, :-1]
        with pytest.raises(ValueError, match="frame.depth"):
            w.write_frame(bad)
        with pytest.raises(ValueError, match="outside"):
            w.write_frame(make_frame(T))
        w.write_frame(frames[0])
        with pytest.raises(ValueError, match="already"):
            w.write_frame(frames[0])
        with pytest.raises(ValueError, match="not written"):
            w.commit()
        for f in frames[1:]:
            w.write_frame(f)
    assert w.state == "committed"


def test_caller_may_reuse_buffers(tmp_path, spec, take, frames):
    buf = make_frame(0)
    with VideoFolderWriter(tmp_path, spec, take, resolved_clip="walk", modalities=("classgt",), max_pending=100) as w:
        for f in frames:
            buf.index, buf.semantic = f.index, buf.semantic  # same array object every time
            buf.semantic[...] = f.semantic
            w.write_frame(buf)
        path = w.commit()
    for f in frames:
        assert np.array_equal(segmentation.decode_semantic(images.read_png_rgb(path / f"classgt_{f.index + 1:05d}.png")), f.semantic)


def test_copy_false_hands_the_arrays_over_and_writes_the_same_files(tmp_path, spec, take, frames, monkeypatch):
    """``copy=False`` keeps the caller's arrays (no copy: a change made before the encoder runs
    shows in the file) and, arrays left alone, writes the same bytes as the copying default."""
    default = _write(tmp_path / "a", spec, take, frames)
    with VideoFolderWriter(tmp_path / "b", spec, take, resolved_clip="walk", gl_renderer="test",
                           versions=FIXED_VERSIONS) as w:
        for f in frames:
            w.write_frame(f, copy=False)
        handed = w.commit()
    assert [p.name for p in sorted(default.iterdir())] == [p.name for p in sorted(handed.iterdir())]
    for p in sorted(default.iterdir()):
        assert p.read_bytes() == (handed / p.name).read_bytes(), p.name

    gate = threading.Event()
    encode = segmentation.encode_semantic

    def held_encode(ids):  # the encoder waits until the caller has changed its arrays
        gate.wait(10.0)
        return encode(ids)

    monkeypatch.setattr(segmentation, "encode_semantic", held_encode)
    with VideoFolderWriter(tmp_path / "c", spec, take, resolved_clip="walk", modalities=("classgt",),
                           max_pending=100) as w:
        buffers = [make_frame(f.index) for f in frames]
        for f in buffers:
            w.write_frame(f, copy=False)
        for f in buffers:
            f.semantic[...] = 3
        gate.set()
        path = w.commit()
    for f in frames:
        assert (segmentation.decode_semantic(images.read_png_rgb(path / f"classgt_{f.index + 1:05d}.png")) == 3).all()


def test_unwritable_output_path_simulated(tmp_path, spec, take, monkeypatch):
    """Works as root too: the temporary folder's mkdir fails with EACCES."""
    import pathlib

    real_mkdir = pathlib.Path.mkdir

    def deny(self, *a, **k):
        if ".partial-" in self.name:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *a, **k)

    monkeypatch.setattr(pathlib.Path, "mkdir", deny)
    with pytest.raises(PermissionError, match="permission denied; choose a writable") as info:
        VideoFolderWriter(tmp_path, spec, take, resolved_clip="walk")
    assert str(info.value) == (f"cannot create the video folder {tmp_path / 'Walk' / spec.folder_name('walk')}: "
                               "permission denied; choose a writable output folder")  # not the hidden .partial one
    assert os.listdir(tmp_path / "Walk") == []


def test_leaving_block_with_missing_frames_leaves_no_folder(tmp_path, spec, take, frames):
    with pytest.raises(ValueError, match="not written"):
        with VideoFolderWriter(tmp_path, spec, take, resolved_clip="walk") as w:
            w.write_frame(frames[0])
    assert os.listdir(tmp_path / "Walk") == [] and w.state == "aborted"



def test_frame_file_writers_give_the_files_the_writer_writes(tmp_path, spec, take, frames):
    import io

    from phav.io.video_folder import frame_file_writers

    path = _write(tmp_path, spec, take, frames)
    f = frames[0]
    writers = frame_file_writers(f.arrays(), take.instances)
    assert [kind for kind, _ in writers] == list(layout.FRAME_PATTERNS)
    for kind, write in writers:  # into memory: the bytes of the video folder's file
        buffer = io.BytesIO()
        write(buffer)
        assert buffer.getvalue() == (path / layout.frame_file(kind, 1)).read_bytes(), kind
    only = frame_file_writers({"depth": f.depth, "semantic": f.semantic}, take.instances)
    assert [kind for kind, _ in only] == ["depth", "classgt"]

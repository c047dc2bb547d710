"""Shader loader: pure string processing (no GL), plus one GL test that compile errors name the file."""

from __future__ import annotations

import os

import pytest

from phav.render.shaders import ShaderError, ShaderSource, _file_reader, create_program, preprocess
from phav.resources import resource_dir


def reader(files: dict[str, str]):
    def read(name: str) -> str:
        if name not in files:
            raise ShaderError(f"shader file {name!r} not found")
        return files[name]

    return read


def test_version_must_be_first_line():
    with pytest.raises(ShaderError, match="a.frag:1: the first line must be '#version"):
        preprocess("a.frag", read=reader({"a.frag": "void main() {}\n"}))
    with pytest.raises(ShaderError, match="#version"):
        preprocess("a.frag", read=reader({"a.frag": ""}))


def test_defines_injected_after_version_with_line_fix():
    src = preprocess("a.frag", {"FOO": 3, "ON": True, "OFF": False, "EMPTY": None},
                     read=reader({"a.frag": "#version 330 core\nline2\nline3\n"}))
    lines = src.text.splitlines()
    assert lines[0] == "#version 330 core"
    assert lines[1:5] == ["#define FOO 3", "#define ON 1", "#define OFF 0", "#define EMPTY"]
    assert lines[5] == "#line 2 0"
    assert lines[6:] == ["line2", "line3"]
    assert src.files == ("a.frag",)


@pytest.mark.parametrize("name,value", [("1BAD", 1), ("has space", 1), ("OK", "two\nlines")])
def test_invalid_defines_rejected(name, value):
    with pytest.raises(ShaderError):
        preprocess("a.frag", {name: value}, read=reader({"a.frag": "#version 330\n"}))


def test_includes_resolved_recursively_with_source_numbers():
    files = {
        "main.frag": '#version 330\nA\n#include "x.glsl"\nB\n',
        "x.glsl": 'X1\n  #  include "y.glsl"\nX3\n',
        "y.glsl": "Y1\n",
    }
    src = preprocess("main.frag", read=reader(files))
    assert src.files == ("main.frag", "x.glsl", "y.glsl")
    assert src.text.splitlines() == [
        "#version 330", "#line 2 0", "A",
        "#line 1 1", "X1",
        "#line 1 2", "Y1", "#line 3 1",
        "X3", "#line 4 0",
        "B",
    ]


def test_an_include_that_ends_the_file_leaves_no_trailing_line_directive():
    # NVIDIA's compiler refuses a #line with nothing after it (C0115); a nested last-line include
    # hands back to its includer's own #line.
    files = {
        "main.frag": '#version 330\nA\n#include "x.glsl"\nB\n#include "x2.glsl"\n\n',
        "x.glsl": 'X1\n#include "y.glsl"\n',
        "x2.glsl": "Z\n",
        "y.glsl": "Y1\n",
    }
    src = preprocess("main.frag", read=reader(files))
    assert src.text.splitlines() == [
        "#version 330", "#line 2 0", "A",
        "#line 1 1", "X1",
        "#line 1 2", "Y1",
        "#line 4 0", "B",
        "#line 1 3", "Z",
        "",
    ]


def test_no_shipped_shader_ends_with_a_line_directive():
    names = sorted(p.name for p in resource_dir("shaders").iterdir() if p.suffix in (".vert", ".frag", ".comp"))
    assert len(names) > 20
    for name in names:
        lines = [line for line in preprocess(name, {"SSAA_FACTOR": 2, "SKY_CLASS": 0}).text.splitlines()
                 if line.strip()]
        assert not lines[-1].lstrip().startswith("#line"), name


def test_include_once():
    files = {"m.frag": '#version 330\n#include "c.glsl"\n#include "c.glsl"\n', "c.glsl": "C\n"}
    src = preprocess("m.frag", read=reader(files))
    assert src.text.count("\nC\n") == 1
    assert src.files == ("m.frag", "c.glsl")


def test_an_include_that_may_be_compiled_out_is_guarded_and_does_not_count_as_included():
    files = {
        "m.frag": '#version 330\n#ifdef A\n#include "c.glsl"\n#endif\n#include "d.glsl"\n#include "c.glsl"\nM\n',
        "c.glsl": "C\n",
        "d.glsl": '#include "c.glsl"\n',  # unconditional in d, so this copy settles c
    }
    src = preprocess("m.frag", read=reader(files))
    assert src.files == ("m.frag", "c.glsl", "d.glsl")
    assert src.text.splitlines() == [
        "#version 330", "#line 2 0", "#ifdef A",
        "#ifndef PHAV_INCLUDED_C_GLSL", "#define PHAV_INCLUDED_C_GLSL", "#line 1 1", "C", "#endif", "#line 4 0",
        "#endif",
        "#line 1 2",
        "#ifndef PHAV_INCLUDED_C_GLSL", "#define PHAV_INCLUDED_C_GLSL", "#line 1 1", "C", "#endif",
        "#line 6 0",
        "// c.glsl already included",
        "M",
    ]
    # An include nested in a file that is itself included inside a conditional block is guarded too;
    # a file first included where nothing can compile it out is included once, as before.
    files = {"m.frag": '#version 330\n#if B > 1\n#include "e.glsl"\n#else\nX\n#endif\n#include "c.glsl"\n',
             "e.glsl": '#include "c.glsl"\n', "c.glsl": "C\n"}
    text = preprocess("m.frag", read=reader(files)).text
    assert text.count("#ifndef PHAV_INCLUDED_C_GLSL") == 2 and text.count("#ifndef PHAV_INCLUDED_E_GLSL") == 1
    files = {"m.frag": '#version 330\n#include "c.glsl"\n#ifdef A\n#include "c.glsl"\n#endif\n', "c.glsl": "C\n"}
    text = preprocess("m.frag", read=reader(files)).text
    assert text.count("\nC\n") == 1 and "PHAV_INCLUDED" not in text


def test_include_cycle_detected():
    files = {"m.frag": '#version 330\n#include "a.glsl"\n', "a.glsl": '#include "b.glsl"\n',
             "b.glsl": 'x\n#include "a.glsl"\n'}
    with pytest.raises(ShaderError, match=r"b.glsl:2: include cycle m.frag -> a.glsl -> b.glsl -> a.glsl"):
        preprocess("m.frag", read=reader(files))


def test_include_depth_limit():
    files = {"m.frag": '#version 330\n#include "f0.glsl"\n'}
    for i in range(10):
        files[f"f{i}.glsl"] = f'#include "f{i + 1}.glsl"\n'
    files["f10.glsl"] = "end\n"
    with pytest.raises(ShaderError, match="nested deeper than 3"):
        preprocess("m.frag", read=reader(files), max_depth=3)
    assert "end" in preprocess("m.frag", read=reader(files), max_depth=12).text


def test_missing_include_and_malformed_include():
    with pytest.raises(ShaderError, match="nope.glsl"):
        preprocess("m.frag", read=reader({"m.frag": '#version 330\n#include "nope.glsl"\n'}))
    with pytest.raises(ShaderError, match="m.frag:2: malformed include"):
        preprocess("m.frag", read=reader({"m.frag": "#version 330\n#include <x.glsl>\n"}))


def test_version_inside_include_rejected():
    files = {"m.frag": '#version 330\n#include "v.glsl"\n', "v.glsl": "#version 330\n"}
    with pytest.raises(ShaderError, match="v.glsl:1: #version"):
        preprocess("m.frag", read=reader(files))


@pytest.mark.parametrize(
    "log,expected",
    [
        ("0:12(5): error: `x' undeclared", "main.frag:12:5: error: `x' undeclared"),
        ("1:3(1): error: syntax error", "common.glsl:3:1: error: syntax error"),
        ("0(7) : error C0000: syntax error", "main.frag:7 : error C0000: syntax error"),
        ("ERROR: 1:4: 'y' : undeclared identifier", "ERROR: common.glsl:4: 'y' : undeclared identifier"),
    ],
)
def test_driver_logs_name_the_file(log, expected):
    src = ShaderSource("main.frag", "", ("main.frag", "common.glsl"))
    assert src.describe_log(log) == expected


def test_project_shaders_preprocess():
    names = sorted(p.name for p in resource_dir("shaders").iterdir() if p.suffix in (".vert", ".frag", ".comp"))
    assert names, "no shaders found"
    for name in names:
        src = preprocess(name, {"GROUND_TRUTH": 1, "SKY_CLASS": "1u"})
        assert src.text.startswith("#version 430" if name.endswith(".comp") else "#version 330")  # compute: GL 4.3
        assert "#include" not in src.text  # moderngl would try to resolve it again


def test_file_reader_sees_edits_and_stays_inside_its_folder(tmp_path):
    """The default reader keeps file texts between shaders; an edited file is read again (its
    modification time changed), and names that leave the folder or do not exist are errors."""
    (tmp_path / "a.frag").write_text('#version 330\n#include "lib.glsl"\n')
    lib = tmp_path / "lib.glsl"
    lib.write_text("float f() { return 1.0; }\n")
    read = _file_reader(tmp_path)
    assert "return 1.0" in preprocess("a.frag", read=read).text
    assert "return 1.0" in preprocess("a.frag", read=read).text  # from the cache
    lib.write_text("float f() { return 2.0; }\n")
    os.utime(lib, ns=(lib.stat().st_atime_ns, lib.stat().st_mtime_ns + 10**9))
    assert "return 2.0" in preprocess("a.frag", read=read).text
    (tmp_path.parent / "outside.glsl").write_text("x\n")
    with pytest.raises(ShaderError, match="outside"):
        read("../outside.glsl")
    with pytest.raises(ShaderError, match="not found"):
        read("missing.glsl")


@pytest.mark.gl
def test_compile_error_names_file_and_line(gl_context):
    files = {
        "ok.vert": "#version 330\nvoid main() { gl_Position = vec4(0.0); }\n",
        "bad.frag": '#version 330\nout vec4 c;\n#include "lib.glsl"\nvoid main() { c = f(); }\n',
        "lib.glsl": "// helper\nvec4 f() { return undefined_thing; }\n",
    }
    with pytest.raises(ShaderError) as info:
        create_program(gl_context, "ok.vert", "bad.frag", read=reader(files))
    message = str(info.value)
    assert "bad.frag" in message and "lib.glsl:2" in message, message

"""Shader loader (DESIGN §4): GLSL files under ``shaders/``, ``#define`` injection and ``#include``.

:func:`preprocess` is pure string processing (unit-tested without GL):

* the first line of a top-level file must be ``#version``;
* ``#define NAME VALUE`` lines for the caller's defines go right after it, followed by
  ``#line 2 0`` so the compiler's line numbers still match the file;
* ``#include "file.glsl"`` (relative to ``shaders/``) is replaced by the file's text, recursively,
  with a depth limit and cycle detection; a file already included in the same shader is skipped
  (include-once, so shared headers need no guards). An include inside ``#if``/``#ifdef``/``#ifndef``
  (or inside a file included so) may be compiled out, which the loader cannot tell: such a copy is
  wrapped in a guard (``#ifndef PHAV_INCLUDED_<NAME>``, ``#define`` it, the text, ``#endif``) and
  does not count as included, so a later include of the file expands it again, guarded too, and the
  compiler keeps whichever copy its preprocessor reaches first. Each file gets its own GLSL source-string number through
  ``#line`` so errors point at the right file and line. No ``#line`` ends the text: after an
  include on a file's last line (blank lines aside), the includer's numbering is not restored,
  because NVIDIA's compiler refuses a trailing ``#line``.

:func:`create_program` compiles through moderngl and rewrites compile errors so that every message
names the file (``lighting.frag:12: error: ...``) instead of a bare source-string number.

Note: moderngl resolves ``#include "name"`` itself anywhere in the text it is given (even in
comments), so shader files must not mention that directive outside real include lines.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from pathlib import Path
from typing import Callable, Mapping, Sequence

import moderngl

from phav.resources import resource_dir

#: How deep ``#include`` may nest.
MAX_INCLUDE_DEPTH = 8

_INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$')
_INCLUDE_ANY_RE = re.compile(r"^\s*#\s*include\b")
_VERSION_RE = re.compile(r"^\s*#\s*version\s+\d+(\s+\w+)?\s*$")
_IF_RE = re.compile(r"^\s*#\s*(if|ifdef|ifndef)\b")
_ENDIF_RE = re.compile(r"^\s*#\s*endif\b")
_DEFINE_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Driver log locations: Mesa "0:12(5): error", NVIDIA "0(12) : error", AMD/others "ERROR: 0:12: ...".
_LOG_LOCATION_RES = (
    re.compile(r"(?m)^(?P<pre>\s*(?:ERROR:\s*|WARNING:\s*)?)(?P<src>\d+):(?P<line>\d+)(?:\((?P<col>\d+)\))?"),
    re.compile(r"(?m)^(?P<pre>\s*)(?P<src>\d+)\((?P<line>\d+)\)"),
)



class ShaderError(RuntimeError):
    """A shader could not be read, preprocessed or compiled; the message names the file (and, for a
    compiler's refusal, holds the driver's whole log on the following lines)."""

    def summary(self) -> str:
        """One line: the message's first line (the program and stage) and the first line of the
        driver's log that says ``error``."""
        lines = [line.strip() for line in str(self).splitlines() if line.strip()]
        return " / ".join(lines[:1] + [line for line in lines[1:] if "error" in line.lower()][:1]) or "ShaderError"


@dataclasses.dataclass(frozen=True)
class ShaderSource:
    """Preprocessed GLSL.

    Attributes:
        name: top-level file name (e.g. ``"lighting.frag"``).
        text: the source to hand to the compiler.
        files: file name of each GLSL source-string number (index = number).
    """

    name: str
    text: str
    files: tuple[str, ...]

    def describe_log(self, log: str) -> str:
        """Rewrite ``src:line`` locations in a driver log into ``file:line``."""
        def sub(match: re.Match[str]) -> str:
            src = int(match.group("src"))
            file = self.files[src] if 0 <= src < len(self.files) else f"<source {src}>"
            col = match.groupdict().get("col")
            return f"{match.group('pre')}{file}:{match.group('line')}" + (f":{col}" if col else "")

        for pattern in _LOG_LOCATION_RES:
            log = pattern.sub(sub, log)
        return log


def _format_define(name: str, value: object) -> str:
    if not _DEFINE_NAME_RE.match(name):
        raise ShaderError(f"invalid #define name {name!r}")
    if isinstance(value, bool):
        value = int(value)
    text = str(value)
    if "\n" in text:
        raise ShaderError(f"#define {name}: value must be one line, got {text!r}")
    return f"#define {name} {text}".rstrip()


@functools.lru_cache(maxsize=1024)
def _shader_path(root: Path, name: str) -> Path:
    """The file ``name`` under ``root``, resolved; raises ``ShaderError`` if it lies outside."""
    path = (root / name).resolve()
    if root.resolve() not in path.parents:
        raise ShaderError(f"shader {name!r} is outside {root}")
    return path


#: Shader file texts read so far: resolved path -> (modification time in ns, text). A renderer
#: builds about 25 programs from a few dozen files; re-reading and re-resolving them took about
#: 40% of a renderer's construction. The modification time keeps edited files fresh.
_TEXTS: dict[Path, tuple[int, str]] = {}


def _file_reader(root: Path) -> Callable[[str], str]:
    def read(name: str) -> str:
        path = _shader_path(root, name)
        try:
            mtime = os.stat(path).st_mtime_ns
            cached = _TEXTS.get(path)
            if cached is not None and cached[0] == mtime:
                return cached[1]
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ShaderError(f"shader file {name!r} not found in {root}") from None
        _TEXTS[path] = (mtime, text)
        return text

    return read


def preprocess(
    name: str,
    defines: Mapping[str, object] | None = None,
    *,
    read: Callable[[str], str] | None = None,
    max_depth: int = MAX_INCLUDE_DEPTH,
) -> ShaderSource:
    """Load ``name`` and return compiler-ready source.

    Args:
        name: file name relative to the shader folder.
        defines: ``NAME -> value`` (``True``/``False`` become 1/0; ``None`` defines an empty macro).
        read: returns a file's text by name (default: files under ``resource_dir("shaders")``).
        max_depth: maximum include nesting.

    Raises:
        ShaderError: missing ``#version``, missing file, include cycle or depth exceeded, malformed
            ``#include``, a ``#version`` inside an included file, or an invalid define.
    """
    read = read or _file_reader(resource_dir("shaders"))
    files: list[str] = [name]
    text = read(name)
    lines = text.splitlines()
    if not lines or not _VERSION_RE.match(lines[0]):
        raise ShaderError(f"{name}:1: the first line must be '#version NNN [profile]', got {lines[:1]!r}")

    out: list[str] = [lines[0].strip()]
    for key, value in (defines or {}).items():
        out.append(_format_define(key, "" if value is None else value))
    out.append("#line 2 0")
    out.extend(_expand(name, lines[1:], first_line=2, source=0, files=files, stack=(name,),
                       read=read, max_depth=max_depth, settled=set(), conditional=False))
    return ShaderSource(name=name, text="\n".join(out) + "\n", files=tuple(files))


def _expand(
    name: str,
    lines: list[str],
    *,
    first_line: int,
    source: int,
    files: list[str],
    stack: tuple[str, ...],
    read: Callable[[str], str],
    max_depth: int,
    settled: set[str],
    conditional: bool,
) -> list[str]:
    """``lines`` of file ``name`` with their includes expanded. ``files``: the shader's files so far
    (index: source-string number); ``settled``: those expanded where nothing could compile them out;
    ``conditional``: these lines sit inside a conditional block of an includer."""
    out: list[str] = []
    depth = 0  # open #if blocks of this file
    for offset, line in enumerate(lines):
        if not line.lstrip().startswith("#"):  # every directive below starts so (\s is str.isspace)
            out.append(line)
            continue
        lineno = first_line + offset
        match = _INCLUDE_RE.match(line)
        if match is None:
            if _IF_RE.match(line):
                depth += 1
            elif _ENDIF_RE.match(line):
                depth = max(depth - 1, 0)
            if _INCLUDE_ANY_RE.match(line):
                raise ShaderError(f'{name}:{lineno}: malformed include, expected #include "file.glsl"')
            if _VERSION_RE.match(line):
                raise ShaderError(f"{name}:{lineno}: #version is only allowed on the first line of a top-level shader")
            out.append(line)
            continue
        child = match.group(1)
        if child in stack:
            chain = " -> ".join(stack + (child,))
            raise ShaderError(f"{name}:{lineno}: include cycle {chain}")
        if len(stack) > max_depth:
            raise ShaderError(f"{name}:{lineno}: includes nested deeper than {max_depth}: {' -> '.join(stack)}")
        if child in settled:  # include-once: already expanded in this shader
            out.append(f"// {child} already included")
            continue
        inside = conditional or depth > 0
        # Guarded where this copy may be compiled out, or an earlier one may have been kept.
        guard = _guard_name(child) if inside or child in files else None
        if child in files:
            child_source = files.index(child)
        else:
            child_source = len(files)
            files.append(child)
        if not inside:
            settled.add(child)
        if guard:
            out += [f"#ifndef {guard}", f"#define {guard}"]
        out.append(f"#line 1 {child_source}")
        out.extend(_expand(child, read(child).splitlines(), first_line=1, source=child_source, files=files,
                           stack=stack + (child,), read=read, max_depth=max_depth, settled=settled,
                           conditional=inside))
        if guard:
            out.append("#endif")
        # Back to this file's numbering, unless nothing of it follows: NVIDIA's compiler rejects a
        # #line that ends the shader ("C0115: #line source-string number invalid").
        if any(rest.strip() for rest in lines[offset + 1:]):
            out.append(f"#line {lineno + 1} {source}")
    return out


def _guard_name(name: str) -> str:
    """The macro that guards a conditional copy of included file ``name``: ``PHAV_INCLUDED_`` and
    the name in capitals, every run of other characters one underscore (``half_store.glsl`` ->
    ``PHAV_INCLUDED_HALF_STORE_GLSL``)."""
    return "PHAV_INCLUDED_" + re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


def create_program(
    ctx: moderngl.Context,
    vertex: str,
    fragment: str | None = None,
    defines: Mapping[str, object] | None = None,
    *,
    read: Callable[[str], str] | None = None,
    varyings: Sequence[str] = (),
) -> moderngl.Program:
    """Compile and link a program from shader files; errors name the files and lines.

    ``read`` is passed to :func:`preprocess` (default: files under ``shaders/``). ``varyings``: the
    vertex outputs captured by transform feedback (interleaved, in this order), for programs
    without a fragment shader.

    Raises:
        ShaderError: preprocessing, compilation or linking failed.
    """
    sources = {"vertex_shader": preprocess(vertex, defines, read=read)}
    if fragment is not None:
        sources["fragment_shader"] = preprocess(fragment, defines, read=read)
    try:
        extra = {"varyings": list(varyings)} if varyings else {}
        return ctx.program(**{stage: src.text for stage, src in sources.items()}, **extra)
    except moderngl.Error as exc:
        raise _compile_error(sources, str(exc)) from None


def create_compute(
    ctx: moderngl.Context, name: str, defines: Mapping[str, object] | None = None
) -> moderngl.ComputeShader:
    """Compile a compute shader (GL 4.3) from a file; errors name the file and line."""
    source = preprocess(name, defines)
    try:
        return ctx.compute_shader(source.text)
    except moderngl.Error as exc:
        raise _compile_error({"compute_shader": source}, str(exc)) from None


def _compile_error(sources: Mapping[str, ShaderSource], log: str) -> ShaderError:
    """Wrap a moderngl build error; the log names the failing stage (``vertex_shader``, ...)."""
    names = " + ".join(src.name for src in sources.values())
    failed = [stage for stage in sources if stage in log] or list(sources)
    # Source-string numbers are per stage: map them with the failing stage's table.
    log = sources[failed[0]].describe_log(log)
    return ShaderError(f"shader program {names} failed to build ({', '.join(failed)}):\n{log}")

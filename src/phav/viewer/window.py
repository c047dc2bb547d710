"""A GLFW window that shows RGB frames as a texture (its own small GL program), and reads keys.

The window's GL context is separate from the renderer's: :meth:`Window.activate` makes it current
before drawing. Both are GLFW (GLX/Wayland) contexts, so switching between them is allowed.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import moderngl
import numpy as np

_VERTEX = """#version 330 core
in vec2 in_pos;
out vec2 uv;
void main() {
    uv = vec2(in_pos.x * 0.5 + 0.5, 0.5 - in_pos.y * 0.5);  // row 0 of the image at the top
    gl_Position = vec4(in_pos, 0.0, 1.0);
}
"""
_FRAGMENT = """#version 330 core
uniform sampler2D image;
in vec2 uv;
out vec4 colour;
void main() { colour = vec4(texture(image, uv).rgb, 1.0); }
"""


class NoDisplayError(RuntimeError):
    """No window can be opened here; the message says why and what to do instead."""


NO_DISPLAY = ("no display: `phav-render view` opens a window; run it on a desktop, set DISPLAY, or wrap it in "
              "xvfb-run (to write the video to files instead: phav-render video)")


def check_display() -> None:
    """Raise :class:`NoDisplayError` when no display is reachable (Linux: neither ``DISPLAY`` nor
    ``WAYLAND_DISPLAY`` is set)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise NoDisplayError(NO_DISPLAY)


def _key_names(glfw: Any) -> dict[int, str]:
    names = {glfw.KEY_SPACE: "space", glfw.KEY_RIGHT: "right", glfw.KEY_LEFT: "left", glfw.KEY_ESCAPE: "escape",
             glfw.KEY_PERIOD: "right", glfw.KEY_COMMA: "left"}
    for letter in "rmcoq":
        names[getattr(glfw, f"KEY_{letter.upper()}")] = letter
    for digit in "123456":
        names[getattr(glfw, f"KEY_{digit}")] = digit
    return names


class Window:
    """A window of ``width x height`` image pixels shown ``scale`` times larger.

    Raises:
        NoDisplayError: GLFW cannot initialise or open a window.
    """

    def __init__(self, width: int, height: int, scale: int = 2, title: str = "phav") -> None:
        import glfw

        self._glfw = glfw
        self.width, self.height = width, height
        self._window = None
        self.keys: list[str] = []
        if not glfw.init():
            raise NoDisplayError(NO_DISPLAY)
        glfw.window_hint(glfw.VISIBLE, glfw.TRUE)
        glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, 3)
        glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, 3)
        glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
        glfw.window_hint(glfw.OPENGL_FORWARD_COMPAT, glfw.TRUE)
        self._window = glfw.create_window(width * scale, height * scale, title, None, None)
        if not self._window:
            raise NoDisplayError("GLFW could not open a GL 3.3 window: " + NO_DISPLAY)
        names = _key_names(glfw)

        def on_key(_window: Any, key: int, _scancode: int, action: int, _mods: int) -> None:
            if action in (glfw.PRESS, glfw.REPEAT) and key in names:
                self.keys.append(names[key])

        glfw.set_key_callback(self._window, on_key)
        self._on_key = on_key  # keep the callback alive
        self.activate()
        self.ctx = moderngl.create_context(require=330)
        self._program = self.ctx.program(vertex_shader=_VERTEX, fragment_shader=_FRAGMENT)
        quad = np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype="f4")
        self._vbo = self.ctx.buffer(quad.tobytes())
        self._vao = self.ctx.vertex_array(self._program, [(self._vbo, "2f", "in_pos")])
        self._texture = self.ctx.texture((width, height), 3)
        self._texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self._texture.swizzle = "RGB1"

    def activate(self) -> None:
        """Make the window's context current."""
        self._glfw.make_context_current(self._window)

    @property
    def should_close(self) -> bool:
        return bool(self._glfw.window_should_close(self._window))

    def set_title(self, title: str) -> None:
        self._glfw.set_window_title(self._window, title)

    def show(self, image: np.ndarray) -> None:
        """Draw ``(height, width, 3) uint8`` ``image`` over the whole window and swap buffers."""
        if image.shape != (self.height, self.width, 3) or image.dtype != np.uint8:
            raise ValueError(f"expected a ({self.height}, {self.width}, 3) uint8 image, got {image.shape} {image.dtype}")
        self.activate()
        self.ctx.pixel_alignment = 1
        self._texture.write(np.ascontiguousarray(image).tobytes())
        fb_width, fb_height = self._glfw.get_framebuffer_size(self._window)
        self.ctx.screen.use()
        self.ctx.viewport = (0, 0, fb_width, fb_height)
        self.ctx.clear(0.0, 0.0, 0.0)
        self._texture.use(0)
        self._vao.render(moderngl.TRIANGLE_STRIP)
        self._glfw.swap_buffers(self._window)

    def poll(self) -> list[str]:
        """Process window events; returns the names of the keys pressed since the last call."""
        self._glfw.poll_events()
        keys, self.keys = self.keys, []
        return keys

    def close(self) -> None:
        """Release the GL objects and destroy the window (idempotent)."""
        if self._window is None:
            return
        self.activate()
        for obj in ("_vao", "_vbo", "_texture", "_program"):
            if hasattr(self, obj):
                getattr(self, obj).release()
                delattr(self, obj)
        self._glfw.destroy_window(self._window)
        self._window = None

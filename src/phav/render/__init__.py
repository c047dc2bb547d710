"""GL rendering of takes: context, shader loader, deferred passes, post chain and read-back.

Public API: :class:`Renderer`, :class:`RenderSettings`, :func:`get_context`, :func:`gl_info`,
:class:`GLInfo`, :class:`GLUnavailableError`, :class:`ShaderError`.
"""

from phav.render.context import GLInfo, GLUnavailableError, get_context, gl_info
from phav.render.renderer import Renderer
from phav.render.settings import POST_PASSES, RenderSettings
from phav.render.shaders import ShaderError

__all__ = ["GLInfo", "GLUnavailableError", "POST_PASSES", "RenderSettings", "Renderer", "ShaderError",
           "get_context", "gl_info"]

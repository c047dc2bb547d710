"""The interactive viewer (``phav-render view``): a GLFW window that plays one scene live.

:mod:`~phav.viewer.player` holds the playback state (no GL), :mod:`~phav.viewer.overlay` draws 2D
joints and boxes into frames, :mod:`~phav.viewer.window` shows frames as a texture in a window,
:mod:`~phav.viewer.session` simulates and renders the scene on demand, and
:mod:`~phav.viewer.command` is the command's body.
"""

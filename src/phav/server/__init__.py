"""The online generator: a REST API and a web page for videos on demand (``phav-render serve``).

The web framework (FastAPI, with uvicorn) comes with the ``web`` extra: ``pip install "phav[web]"``.
Importing this package needs nothing beyond phav's core; :func:`create_app` lives in
:mod:`phav.server.app`, which imports the framework.
"""

from __future__ import annotations

from phav.server.limits import Limits

__all__ = ["Limits"]

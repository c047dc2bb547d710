"""Per-pass GPU timing with GL timer queries (``GL_TIME_ELAPSED``), for benchmarks and profiling.

A :class:`PassTimer` wraps each pass of a frame in a timer query and, when the frame is done,
collects the elapsed GPU nanoseconds per pass name. It also records the wall-clock seconds of each
pass with the GL finished at its end, which is the honest figure on software rasterizers (llvmpipe
runs the work on the CPU at the first flush, so GPU and wall time differ little) and shows the cost
of read-backs. Disabled timers cost nothing: :meth:`PassTimer.section` is a no-op context.

    timer = renderer.enable_profiling()
    for frame in renderer.render_take(take): ...
    timer.summary()   # {'gbuffer': {'gpu_ms': 1.2, 'wall_ms': 1.4, 'count': 60}, ...}

A query the GL gives no time for reads as all ones (:data:`NO_TIME`: moderngl reads the result's
low 32 bits); llvmpipe does that for a section with nothing but transform feedback (the skinning
pass without compute shaders). Such a pass's ``gpu_ms`` is ``None``, not 4295 ms.
"""

from __future__ import annotations

import contextlib
import time
from typing import Iterator

import moderngl


#: What :meth:`PassTimer.section` returns while disabled (``nullcontext`` is reusable).
_UNTIMED = contextlib.nullcontext()
#: ``Query.elapsed`` of a query the GL gave no time for (the 32-bit result, all ones).
NO_TIME = 0xFFFFFFFF


class PassTimer:
    """Timer queries per named pass (one query object per name, reused every frame).

    Args:
        ctx: the context the passes run in.
        enabled: start enabled (``False``: :meth:`section` does nothing until :meth:`enable`).
    """

    def __init__(self, ctx: moderngl.Context, enabled: bool = False):
        self._ctx = ctx
        self.enabled = enabled
        self._queries: dict[str, moderngl.Query] = {}
        self._gpu_ns: dict[str, int] = {}
        self._wall_s: dict[str, float] = {}
        self._count: dict[str, int] = {}
        self._untimed: set[str] = set()  # passes a query of which the GL gave no time for

    def enable(self) -> None:
        self.enabled = True

    def reset(self) -> None:
        """Forget the figures collected so far (queries are kept)."""
        self._gpu_ns.clear()
        self._wall_s.clear()
        self._count.clear()
        self._untimed.clear()

    def section(self, name: str) -> contextlib.AbstractContextManager[None]:
        """Time the GL work issued inside the ``with`` block under ``name`` (accumulated); a shared
        do-nothing context while the timer is disabled (about 17 sections a frame)."""
        return self._timed(name) if self.enabled else _UNTIMED

    @contextlib.contextmanager
    def _timed(self, name: str) -> Iterator[None]:
        query = self._queries.get(name)
        if query is None:
            query = self._queries[name] = self._ctx.query(time=True)
        start = time.perf_counter()
        with query:
            yield
        self._ctx.finish()
        self._wall_s[name] = self._wall_s.get(name, 0.0) + time.perf_counter() - start
        elapsed = int(query.elapsed)
        if elapsed == NO_TIME:
            self._untimed.add(name)
        self._gpu_ns[name] = self._gpu_ns.get(name, 0) + elapsed
        self._count[name] = self._count.get(name, 0) + 1

    def summary(self) -> dict[str, dict[str, float | None]]:
        """Pass name -> mean GPU milliseconds (timer query; ``None`` when the GL gave no time for
        one of them, :data:`NO_TIME`), mean wall milliseconds (GL finished) and how many times it
        ran, in the order the passes first ran."""
        return {name: {"gpu_ms": None if name in self._untimed else self._gpu_ns[name] / n / 1e6,
                       "wall_ms": self._wall_s[name] / n * 1e3, "count": n}
                for name, n in self._count.items()}

    def release(self) -> None:
        """Drop the query objects. moderngl 5.13 has no ``Query.release``, so a query lives as long
        as its context; queries exist only for timers that were enabled (benchmarks, profiling)."""
        self._queries.clear()

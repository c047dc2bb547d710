"""The Ray backend (``pip install "phav[ray]"``): one Ray task per video, on a local or remote cluster.

Tasks declare their resources (``num_cpus`` and ``num_gpus`` per video); Ray worker processes are
reused across tasks, so each keeps one GL context and renderer, as the local pool does. Ray would
start a new process for every task that asks for GPUs (its default ``max_calls=1`` for them, which
frees a CUDA library's memory); phav asks for reuse (:data:`MAX_CALLS`): a new process costs its
imports, a GL context and the shaders' compilation, about as long as a short video takes. Ray sets
``CUDA_VISIBLE_DEVICES`` for each task, and phav renders on that GPU's EGL device
(:mod:`phav.render.egl_devices`); a worker given another GPU than its last task makes its context anew. Results are written by the
workers straight into the dataset folder, which must be a path every node sees (a shared file
system); the driver writes the manifest. Set ``RAY_ADDRESS`` (or start ``ray start --head`` and
pass ``address="auto"``) to use an existing cluster; without it a local Ray instance is started with
``workers`` CPUs.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Iterator, Sequence

from phav.dataset.worker import Task, run_task
from phav.errors import PhavWarning, SpecError

#: Ray re-runs a task whose worker process died this many times.
TASK_RETRIES = 2
#: Tasks a Ray worker process may run before it exits: 0, no limit (Ray's default for tasks that ask
#: for GPUs is 1, a new process each; see the module docstring).
MAX_CALLS = 0


def remote_options(num_cpus: float, num_gpus: float) -> dict[str, Any]:
    """The options of the Ray remote function that makes one video: its resources, retries and
    worker reuse."""
    return {"num_cpus": num_cpus, "num_gpus": num_gpus, "max_retries": TASK_RETRIES, "max_calls": MAX_CALLS}


def ray_available() -> bool:
    """Whether ``ray`` can be imported."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def _check_gpus(ray: Any, num_gpus: float, local: bool) -> None:
    """Tasks that ask for more GPUs than the cluster has never start: on the local instance this
    run started (no autoscaler) that is a :class:`SpecError`; on a cluster, a warning (an
    autoscaler may still add GPU nodes)."""
    if num_gpus <= 0:
        return
    have = float(ray.cluster_resources().get("GPU", 0.0))
    if have >= num_gpus:
        return
    if local:
        raise SpecError(f"--gpus-per-task {num_gpus:g} asks for GPUs the local Ray instance does not have "
                        f"({have:g} GPUs seen: Ray counts the GPUs CUDA shows it); give --gpus-per-task 0, or set "
                        "RAY_ADDRESS to a cluster with GPU nodes")
    warnings.warn(f"each task asks for {num_gpus:g} GPUs and the Ray cluster has {have:g} now; the tasks wait "
                  "until nodes with GPUs join it", PhavWarning, stacklevel=3)


def run_ray(
    tasks: Sequence[Task], workers: int, *, num_cpus: float = 1.0, num_gpus: float = 0.0,
    address: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Rows of ``tasks`` as Ray completes them.

    Raises:
        SpecError: ray is not installed (says how to install it), or ``num_gpus`` per task is more
            than the local Ray instance this call starts has.
    """
    try:
        import ray
    except ImportError:
        raise SpecError('the ray backend needs Ray: pip install "phav[ray]" (or use --backend local)') from None
    started = False
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS")
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        started = True
    try:
        _check_gpus(ray, num_gpus, local=started and not address)
        remote = ray.remote(**remote_options(num_cpus, num_gpus))(run_task)
        by_ref = {remote.remote(task): task for task in tasks}
        pending = list(by_ref)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                try:
                    yield ray.get(ref)
                except ray.exceptions.RayError as exc:  # the worker died TASK_RETRIES + 1 times
                    task = by_ref[ref]
                    yield {"key": task.video.key, "action": task.video.action, "index": task.video.index,
                           "status": "failed", "attempts": TASK_RETRIES + 1, "path": None, "frames": None,
                           "seconds": None, "bytes": None, "spec": task.video.spec.to_dict(), "error": type(exc).__name__,
                           "reason": f"ray task failed: {type(exc).__name__}: {str(exc).splitlines()[0]}"}
    finally:
        if started:
            ray.shutdown()

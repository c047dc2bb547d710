"""World: one PyBullet physics client (DIRECT, no GUI), fixed step, Z up, a ground plane at z=0.

Deterministic: a fixed time step, a fixed number of solver iterations, no real-time simulation and
no wall clock; the same calls in the same order give the same numbers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Collection, Sequence

from phav.physics.bullet import BulletClient, ClientHandle, connect_direct, pybullet

GRAVITY = 9.81  # m/s², along -Z
DEFAULT_TIMESTEP = 1.0 / 240.0
#: Constraint solver iterations per step. Chosen by measurement (``physics/tracking.py`` on walk,
#: run, jump and kick for Model_Boy, Model_Man02 and Model_ElderlyWoman, clips from the motion
#: library, motors updated per :data:`phav.physics.humanoid.MOTOR_UPDATE_STEPS`): 20 keeps every
#: figure inside the tracking tests' bounds with margin (foot skating at most 1.4 cm/frame,
#: Model_Man02's kick). 10 would make ``stepSimulation`` about 1.25x faster (146 -> 115 us, thread
#: CPU time) and still pass those bounds, but Model_Man02's kick skating rises to 1.9 cm/frame and
#: contact-driven actions shift (SyntheticBumpIntoEachOther, seed 0: the touch comes 13 frames late
#: and its signature fails).
DEFAULT_SOLVER_ITERATIONS = 20
GROUND_FRICTION = 0.9
#: Name of PyBullet's built-in software renderer plugin, loaded in every DIRECT client.
TINY_RENDERER_PLUGIN = "tinyRendererPlugin"
#: Closed worlds' PyBullet clients kept per process for the next :class:`World` (see there).
MAX_IDLE_CLIENTS = 2

_idle_lock = threading.Lock()
_idle: list[BulletClient] = []  # connected DIRECT clients, reset, TinyRenderer unloaded


def _forget_idle_clients_in_child() -> None:
    """After ``fork``: the parent's kept clients are not the child's to use, and the lock may have
    been held by a parent thread that does not exist in the child. Dropping the clients does not
    disconnect them (``BulletClient`` disconnects only in the process that connected)."""
    global _idle_lock, _idle
    _idle_lock = threading.Lock()
    _idle = []


os.register_at_fork(after_in_child=_forget_idle_clients_in_child)


def _forget(client: BulletClient) -> None:
    """Drop ``client`` without disconnecting: its id is no longer its own (a new connection may
    have been given it), so neither its ``__del__`` nor anyone else may disconnect by it."""
    client._client = -1


def _take_idle_client() -> BulletClient | None:
    """A connected client closed by an earlier World of this process, with no bodies, or ``None``.

    A kept client is checked when taken: one disconnected behind the pool's back is forgotten (the
    next one, or a new connection, serves instead), and one with bodies in it (added by its id
    after the World closed) is reset, so the new World's body ids start at 0 as on a new client.
    """
    while True:
        with _idle_lock:
            if not _idle:
                return None
            client = _idle.pop()
        try:
            if client.getNumBodies():
                client.resetSimulation()
            return client
        except pybullet.error:  # not connected any more
            _forget(client)


def _connect() -> BulletClient:
    """A new DIRECT client; a kept client holding the same id was disconnected behind the pool's
    back (PyBullet gives a free id again), so it is forgotten rather than handed to a later World."""
    client = connect_direct()
    with _idle_lock:
        stale = [c for c in _idle if c._client == client._client]
        _idle[:] = [c for c in _idle if c._client != client._client]
    for c in stale:
        _forget(c)
    return client


def release_idle_clients() -> int:
    """Disconnect the clients that closed worlds left for reuse in this process; returns how many."""
    with _idle_lock:
        clients = list(_idle)
        _idle.clear()
    for client in clients:
        _disconnect(client)
    return len(clients)


def _disconnect(client: BulletClient) -> None:
    """Disconnect ``client``; one already disconnected (behind our back) is only forgotten."""
    try:
        client.disconnect()
    except pybullet.error:
        _forget(client)


def _keep_idle_client(client: BulletClient) -> bool:
    """Reset ``client`` and keep it for the next World; ``False`` where the pool is full."""
    with _idle_lock:
        if len(_idle) >= MAX_IDLE_CLIENTS:
            return False
    try:
        client.resetSimulation()  # frees every body now
    except pybullet.error:  # the client is gone: nothing to keep
        return False
    with _idle_lock:
        if len(_idle) >= MAX_IDLE_CLIENTS:
            return False
        _idle.append(client)
        return True


class World:
    """A PyBullet client owning one simulated world.

    Args:
        timestep: physics step in seconds (default 1/240).
        solver_iterations: constraint solver iterations per step (fixed for determinism).
        ground: add a static collision plane at z=0 with ``ground_friction``.
        ground_friction: lateral friction coefficient of the ground.
        camera_images: keep PyBullet's built-in TinyRenderer, which converts the shapes of every
            body added into meshes of its own, so that ``getCameraImage`` can draw them. phav's
            simulation never asks PyBullet for images: without it, adding the ground plane costs
            about 0.2 instead of 7 ms and the physics is the same, bit for bit; so it is off by default.

    A world without camera images reuses, after ``resetSimulation``, the PyBullet connection of a
    world closed earlier in this process (up to :data:`MAX_IDLE_CLIENTS` are kept; one checked when
    taken: connected, no bodies): connecting costs about 17 ms of CPU, a reset under 0.5 ms. Every
    engine setting a World makes (time step, solver iterations, sub-steps, deterministic overlapping
    pairs, gravity, real-time simulation off) is made again on the reused connection, so with those
    settings a take simulated on one is the same, bit for bit, as on a new one. Settings a World
    does not make are not restored; and some of Bullet's settings are process-wide rather than per
    client (``contactBreakingThreshold``, for one, set on any client holds for every client of the
    process, new or reused, until set again), so changing them changes later worlds either way.

    Each World has its own :class:`~phav.physics.bullet.ClientHandle` on the connection: after
    :meth:`close`, calls through that handle (``world.client`` kept elsewhere, a
    :class:`~phav.physics.Humanoid` or prop of this world) raise ``pybullet.error`` (not connected:
    the world is closed), whichever World the connection serves next.

    Attributes:
        client: this world's ``BulletClient`` (a ``ClientHandle``; call PyBullet functions on it,
            never on the global client).
        ground_id: body id of the ground plane, or ``-1``.
        time: simulated seconds since creation.
    """

    def __init__(self, timestep: float = DEFAULT_TIMESTEP, solver_iterations: int = DEFAULT_SOLVER_ITERATIONS,
                 ground: bool = True, ground_friction: float = GROUND_FRICTION, camera_images: bool = False) -> None:
        self._client: ClientHandle | None = None
        if not timestep > 0:
            raise ValueError(f"timestep must be positive, got {timestep}")
        self.timestep = float(timestep)
        self.solver_iterations = int(solver_iterations)
        self.time = 0.0
        self.steps = 0
        self.ground_id = -1
        self._reusable = not camera_images
        connection = _take_idle_client() if self._reusable else None
        if connection is None:
            connection = _connect()
            if not camera_images:  # the renderer is loaded already: loading it by name gives its id
                connection.unloadPlugin(connection.loadPlugin(TINY_RENDERER_PLUGIN))
        c = self._client = ClientHandle(connection)
        c.setPhysicsEngineParameter(fixedTimeStep=self.timestep, numSolverIterations=self.solver_iterations,
                                    numSubSteps=0, deterministicOverlappingPairs=1)
        c.setGravity(0.0, 0.0, -GRAVITY)
        c.setRealTimeSimulation(0)
        if ground:
            shape = c.createCollisionShape(pybullet.GEOM_PLANE)
            self.ground_id = c.createMultiBody(baseMass=0.0, baseCollisionShapeIndex=shape)
            c.changeDynamics(self.ground_id, -1, lateralFriction=ground_friction, restitution=0.0)

    @property
    def client(self) -> BulletClient:
        if self._client is None:
            raise RuntimeError("this World is closed; create a new one")
        return self._client

    @property
    def client_id(self) -> int:
        """PyBullet's integer client id (``physicsClientId``) of this world."""
        return int(self.client._client)

    @property
    def closed(self) -> bool:
        return self._client is None

    def clearance(self, body: int, ignore: Collection[int] = (), reach: float = 1.0) -> float:
        """Distance (m) from ``body`` to the nearest other body (neither the ground nor in
        ``ignore``): negative when they overlap, ``reach`` when none is within ``reach``."""
        c = self.client
        low, high = c.getAABB(body)
        near = c.getOverlappingObjects([x - reach for x in low], [x + reach for x in high]) or []
        gap = reach
        for other in sorted({b for b, _ in near} - {body, self.ground_id, *ignore}):
            points = c.getClosestPoints(bodyA=body, bodyB=other, distance=reach)
            if points:
                gap = min(gap, min(p[8] for p in points))
        return float(gap)

    def rays_meet_only(self, starts: Sequence[Sequence[float]], ends: Sequence[Sequence[float]],
                       bodies: Collection[int]) -> bool:
        """Whether every ray from ``starts[i]`` to ``ends[i]`` (world, m) hits nothing or one of
        ``bodies`` (a course or a flight that meets nothing but the person)."""
        hits = self.client.rayTestBatch([list(a) for a in starts], [list(b) for b in ends])
        return all(hit[0] == -1 or hit[0] in bodies for hit in hits)

    def step(self) -> None:
        """Advance one fixed time step."""
        self.client.stepSimulation()
        self.steps += 1
        self.time = self.steps * self.timestep

    def close(self) -> None:
        """Release this world's client handle (calls through it raise from now on) and its PyBullet
        connection (reset and kept for the next World, or disconnected). Safe to call more than once."""
        handle, self._client = self._client, None
        connection = handle.release() if handle is not None else None  # None: disconnected through it
        if connection is not None and not (self._reusable and _keep_idle_client(connection)):
            _disconnect(connection)

    def __enter__(self) -> "World":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Seeds: one ``numpy.random.Generator`` per video, derived by hashing; nothing reads global state."""

from __future__ import annotations

import hashlib

import numpy as np


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from any sequence of printable parts (global seed, video index, a purpose name)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little")


def video_rng(seed: int, purpose: str = "video") -> np.random.Generator:
    """The generator for one video's ``purpose`` (e.g. ``"motion"``, ``"camera"``), from its seed."""
    return np.random.Generator(np.random.PCG64(derive_seed("phav", seed, purpose)))

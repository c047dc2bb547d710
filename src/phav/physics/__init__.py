"""Physics: the PyBullet world and simulated humanoids (no GL here)."""

from phav.physics.errors import SimulationError
from phav.physics.humanoid import Humanoid, HumanoidState
from phav.physics.muscles import MuscleGains
from phav.physics.world import World

__all__ = ["Humanoid", "HumanoidState", "MuscleGains", "SimulationError", "World"]

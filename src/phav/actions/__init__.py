"""Registered action classes. Importing this package registers the built-in ones.

Modules by action family: :mod:`~phav.actions.locomotion` (walk-, run- and crawl-based),
:mod:`~phav.actions.mocap` (other DeepMimic clips), :mod:`~phav.actions.gestures` (procedural
upper-body actions from key poses and IK), :mod:`~phav.actions.household` and :mod:`~phav.actions.sports`
(actions with props), :mod:`~phav.actions.throwing` (ball actions), :mod:`~phav.actions.fitness` (exercise on fixtures), :mod:`~phav.actions.vehicle` (CarHit), :mod:`~phav.actions.pairs` (two-person).
"""

from phav.actions import fitness, gestures, household, locomotion, mocap, pairs, sports, throwing, vehicle  # noqa: F401  (register their actions)
from phav.actions import locomotion_extra  # noqa: F401,E402  (Hop, Flee, Roll)
from phav.actions import dramatic  # noqa: F401,E402  (DiveFloor, LegSplit)
from phav.actions import skills  # noqa: F401,E402  (Golf, ClimbStairs, Pour, ShootBow)
from phav.actions.registry import (ActionPlan, ActionRecipe, BuildContext, SignatureResult, action_names,
                                   get_action, register)

__all__ = ["ActionPlan", "ActionRecipe", "BuildContext", "SignatureResult", "action_names", "get_action", "register"]

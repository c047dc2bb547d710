"""Registered action classes. Importing this package registers the built-in ones.

Modules by action family: :mod:`~phav.actions.locomotion` (walk-, run- and crawl-based),
:mod:`~phav.actions.mocap` (other DeepMimic clips), :mod:`~phav.actions.gestures` (procedural
upper-body actions from key poses and IK).
"""

from phav.actions import gestures, household, locomotion, mocap, sports  # noqa: F401  (register their actions)
from phav.actions.registry import (ActionPlan, ActionRecipe, BuildContext, SignatureResult, action_names,
                                   get_action, register)

__all__ = ["ActionPlan", "ActionRecipe", "BuildContext", "SignatureResult", "action_names", "get_action", "register"]

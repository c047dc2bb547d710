"""Registered action classes. Importing this package registers the built-in ones."""

from phav.actions import locomotion  # noqa: F401  (registers its actions)
from phav.actions.registry import ActionRecipe, SignatureResult, action_names, get_action, register

__all__ = ["ActionRecipe", "SignatureResult", "action_names", "get_action", "register"]

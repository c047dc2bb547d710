"""The action registry: every action class is a recipe registered under its PHAV class name.

A recipe says which motion clips the action may use and how to check, from the finished
:class:`~phav.take.Take`, that the action visibly happened (its signature). The CLI's choices come
from here.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from phav.take import Take

#: Tags an action may carry.
TAGS = frozenset({"mocap-like", "synthetic", "extra"})


@dataclasses.dataclass(frozen=True)
class SignatureResult:
    """Whether a take shows its action, with the measured figure that decided it."""

    ok: bool
    reason: str


@dataclasses.dataclass(frozen=True)
class ActionRecipe:
    """A registered action class.

    Attributes:
        name: the class name as in PHAV's folders (e.g. ``Walk``).
        tags: a subset of :data:`TAGS`.
        clips: clip names the action chooses from (the video's seed picks one unless the spec fixes it).
        signature: decides from a take whether the action visibly happened.
        description: one line for ``phav-render list actions``.
    """

    name: str
    tags: frozenset[str]
    clips: tuple[str, ...]
    signature: Callable[[Take], SignatureResult]
    description: str

    def __post_init__(self) -> None:
        unknown = set(self.tags) - TAGS
        if unknown:
            raise ValueError(f"action {self.name}: unknown tags {sorted(unknown)}; valid: {sorted(TAGS)}")
        if not self.clips:
            raise ValueError(f"action {self.name}: needs at least one clip")


_REGISTRY: dict[str, ActionRecipe] = {}


def register(recipe: ActionRecipe) -> ActionRecipe:
    """Add ``recipe``; a second recipe with the same name raises ``ValueError``."""
    if recipe.name in _REGISTRY:
        raise ValueError(f"action {recipe.name!r} is already registered")
    _REGISTRY[recipe.name] = recipe
    return recipe


def get_action(name: str) -> ActionRecipe:
    """The recipe registered as ``name``.

    Raises:
        ValueError: unknown action; the message lists the registered ones.
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown action {name!r}; valid actions: {', '.join(action_names())}") from None


def action_names(tag: str | None = None) -> list[str]:
    """Registered action names, sorted, optionally only those with ``tag``."""
    return sorted(n for n, r in _REGISTRY.items() if tag is None or tag in r.tags)

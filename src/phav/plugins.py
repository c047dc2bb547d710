"""User plugins: register your own action classes and environments, and have the CLI offer them.

A plugin is a Python module that registers things when imported::

    # my_actions.py
    from phav.actions import ActionRecipe, SignatureResult
    from phav.plugins import register_action, register_environment

    register_action(ActionRecipe("Stroll", frozenset({"extra"}), ("walk",), my_signature, "a slow walk"))
    register_environment("Courtyard", build_courtyard)  # rng -> phav.worlds.scene.StaticScene

Loading, in order (each module once):

* ``phav-render --plugin my_actions video ...`` (repeatable) or ``PHAV_PLUGINS=my_actions,other``;
* installed packages that declare an entry point in the group ``phav.plugins`` (the value is a
  module, or a callable taking no argument that registers), e.g. in ``pyproject.toml``::

      [project.entry-points."phav.plugins"]
      my_actions = "my_package.my_actions"

The CLI loads them before parsing a command, so ``--action``, ``--environment``, ``list`` and the
``dataset`` command offer the registered names. Loaded module names are kept in ``PHAV_PLUGINS``,
so worker processes spawned by the dataset runner load the same plugins when they import ``phav``
(a Ray cluster's workers need the plugin installed, as an entry point, on every node).
"""

from __future__ import annotations

import importlib
import os
from typing import Any, Callable, Iterable

import numpy as np

from phav.errors import PhavError, SpecError

#: Entry point group scanned by :func:`load_plugins`.
ENTRY_POINT_GROUP = "phav.plugins"
#: Environment variable naming plugin modules (comma-separated); also where loaded ones are recorded.
ENV_VAR = "PHAV_PLUGINS"

_LOADED: list[str] = []


class PluginError(PhavError):
    """A plugin that cannot be loaded or registers something invalid; the message says which and why."""


def checked_hook(owner: str, hook: str, fn: Callable[..., Any], *args: Any, returns: type, returns_name: str,
                 contract: str, passes: tuple[type[BaseException], ...] = ()) -> Any:
    """``fn(*args)``, a plugin's hook (an environment's builder, an action's build hook or signature
    check), held to its contract: it must return a ``returns``.

    Args:
        owner: what the hook belongs to, for the message (``"action Walk"``).
        hook: the hook's name (``"signature check"``).
        returns_name: the type as users import it (``"phav.actions.SignatureResult"``).
        contract: how to fix a wrong result or an error (``"return SignatureResult(ok, reason)"``).
        passes: errors that pass through as they are; others, but phav's own, become a
            :class:`PluginError` (the error is its cause).

    Raises:
        PluginError: the hook returned something else, or raised an error not in ``passes``.
    """
    try:
        result = fn(*args)
    except (PhavError, *passes):
        raise
    except Exception as exc:
        raise PluginError(f"{owner}: its {hook} raised {type(exc).__name__}: {exc}; {contract}") from exc
    if not isinstance(result, returns):
        raise PluginError(f"{owner}: its {hook} returned {type(result).__name__}, not a {returns_name}; {contract}")
    return result


# ---- registration ------------------------------------------------------------------------------
def register_action(recipe: Any, *, check: bool = True) -> Any:
    """Register an action class (a :class:`phav.actions.ActionRecipe`) for the CLI, the dataset
    command and :meth:`phav.Scene.add_person`. Returns the recipe.

    With ``check`` the recipe builds one plan for the default body (its first clip, its
    ``duration``) before it is registered, and the motion must drive exactly the skeleton's joints,
    so a recipe that references a joint the skeleton lacks fails here, not in the middle of a dataset.

    Raises:
        SpecError: the name cannot name a class (:func:`phav.spec.check_name`), the build function
            does not return an :class:`~phav.actions.ActionPlan`, or its motion references joints the
            skeleton lacks (or misses some); the message lists them and the skeleton's joints.
        ValueError: an action of that name is already registered.
    """
    from phav.actions.registry import get_action, register
    from phav.spec import check_name

    try:
        check_name("action", getattr(recipe, "name", None))
    except ValueError as exc:
        raise SpecError(f"cannot register the action: {exc} (it names the class folder and the CLI's "
                        "--action value)") from None
    try:
        get_action(recipe.name)
    except ValueError:
        pass
    else:
        raise ValueError(f"action {recipe.name!r} is already registered; choose another name")
    if check:
        check_recipe(recipe)
    return register(recipe)


def check_recipe(recipe: Any) -> None:
    """Build one plan of ``recipe`` for the default body and check its motion's joints.

    Raises:
        SpecError: as :func:`register_action`.
    """
    from phav.api.scene import check_clip_joints
    from phav.body.presets import get_preset
    from phav.seeding import video_rng
    from phav.spec import VideoSpec

    skeleton = get_preset("Model_Default").shape.skeleton()
    clip_name = recipe.clips[0]
    spec = VideoSpec(action=recipe.name, clip=clip_name)
    plan = recipe.plan(skeleton, video_rng(0, "action"), clip_name, float(getattr(recipe, "duration", 2.0)), spec)
    try:
        check_clip_joints(plan.clip, skeleton)
    except SpecError as exc:
        raise SpecError(f"action {recipe.name}: {exc}") from None


def register_environment(name: str, builder: Callable[[np.random.Generator], Any]) -> Any:
    """Register an environment: ``builder(rng) -> phav.worlds.scene.StaticScene`` draws one layout
    from the video's world generator. The name joins the registry of :class:`phav.spec.Environment`
    (``VideoSpec(environment=name)``, ``--environment name``, ``phav.Scene(name)``, the sampler and
    the server), filmed by the outdoor cameras. Returns the new :class:`~phav.spec.Environment`.

    Raises:
        ValueError: the name is taken, or not a Python identifier (it names folders); the builder
            is not callable.
    """
    from phav.spec import Environment
    from phav.worlds.environments import ENVIRONMENTS

    if not callable(builder):
        raise ValueError(f"environment {name}: builder must be callable as builder(rng) -> StaticScene")
    environment = Environment.register(name)
    ENVIRONMENTS[environment] = builder
    return environment


# ---- loading -----------------------------------------------------------------------------------
def _import(target: str) -> None:
    """Import ``module``, or import ``module`` and call its ``function`` for ``module:function``."""
    target = target.replace(" ", "")
    if target in _LOADED:
        return
    module, _, function = target.partition(":")
    try:
        loaded = importlib.import_module(module)
    except ImportError as exc:
        if not _is_the_module_itself(exc, module):  # found, but something it imports is missing
            raise PluginError(f"plugin module {module!r} imports {exc.name!r}, which cannot be imported ({exc}) "
                              f"{_where(exc)}; install it or fix the import") from exc
        raise PluginError(f"cannot import plugin module {module!r} ({exc}); check the name and that it is on "
                          "the Python path (PYTHONPATH or installed)") from None
    except PhavError:
        raise
    except Exception as exc:
        raise PluginError(f"plugin module {module!r} failed while it was imported: {type(exc).__name__}: {exc} "
                          f"{_where(exc)}; fix the plugin or leave it out") from exc
    if function:
        hook = getattr(loaded, function, None)
        if not callable(hook):
            raise PluginError(f"plugin {target!r}: module {module} has no callable {function!r}")
        try:
            hook()
        except PhavError:
            raise
        except Exception as exc:
            raise PluginError(f"plugin {target!r} failed: {type(exc).__name__}: {exc} {_where(exc)}; "
                              "fix the plugin or leave it out") from exc
    _LOADED.append(target)


def _is_the_module_itself(exc: ImportError, module: str) -> bool:
    """Whether ``exc`` says ``module`` (or a package above it) is not there, rather than something
    ``module`` imports."""
    name = getattr(exc, "name", None)
    return name is None or name == module or module.startswith(name + ".")


def _where(exc: BaseException) -> str:
    """``"(at FILE:LINE)"``: where ``exc`` was raised, its innermost frame outside the import
    machinery; empty when there is no such frame."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<frozen")]
    return f"(at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""


def _entry_points() -> list[Any]:
    from importlib.metadata import entry_points

    return sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def load_plugins(modules: Iterable[str] = (), *, entry_points: bool = True, environment: bool = True) -> list[str]:
    """Load plugins once each: ``modules`` (``module`` or ``module:function``), then those named in
    ``PHAV_PLUGINS``, then the ``phav.plugins`` entry points; record them in ``PHAV_PLUGINS`` for
    child processes. Returns the loaded names.

    Raises:
        PluginError: a module cannot be imported or its hook is missing (the message names it, and
            ``PHAV_PLUGINS`` when the module came from there).
    """
    names = [(m.strip(), False) for m in modules if m.strip()]
    if environment:
        names += [(m.strip(), True) for m in os.environ.get(ENV_VAR, "").split(",") if m.strip()]
    if entry_points:
        names += [(ep.value, False) for ep in _entry_points()]
    for name, from_environment in names:
        try:
            _import(name)
        except PluginError as exc:
            if not from_environment:
                raise
            raise PluginError(f"{ENV_VAR}={os.environ[ENV_VAR]}: {exc}") from exc
    if _LOADED:
        os.environ[ENV_VAR] = ",".join(_LOADED)
    return list(_LOADED)


def loaded_plugins() -> list[str]:
    """Module names loaded so far, in order."""
    return list(_LOADED)


def refresh_cli_choices(group: Any) -> None:
    """Give the commands of a Click group the current environment names as ``--environment`` choices."""
    import click

    from phav.worlds.environments import ENVIRONMENTS

    names = [e.value for e in ENVIRONMENTS]
    for command in getattr(group, "commands", {}).values():
        for param in command.params:
            if param.name == "environment" and isinstance(param.type, click.Choice):
                param.type = click.Choice(names, case_sensitive=param.type.case_sensitive)

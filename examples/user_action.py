"""A user-defined action class: "Stroll", a slow walk with its own signature check.

Run it to render one Stroll video through the library, or use the module as a plugin so that the
CLI and the dataset command offer the action:

    python examples/user_action.py --out out
    PYTHONPATH=examples phav-render --plugin user_action video --action Stroll --frames 45 --out out
    PYTHONPATH=examples phav-render --plugin user_action dataset --classes Stroll --videos-per-class 2 --out ds
"""

import numpy as np

import phav
from phav.actions import ActionPlan, ActionRecipe, BuildContext, SignatureResult, get_action
from phav.actions import signals
from phav.motion.deepmimic import load_deepmimic
from phav.motion.ops import speed

#: Stroll's pelvis speed range, m/s (DeepMimic's walk is about 1.1 m/s).
STROLL_SPEED = (0.2, 0.95)


def build(ctx: BuildContext) -> ActionPlan:
    """The walk clip slowed to 55-75 % (drawn from the action's generator: deterministic per seed)."""
    tempo = float(ctx.rng.uniform(0.55, 0.75))
    clip = speed(load_deepmimic("walk", ctx.skeleton), tempo)
    return ActionPlan(clip=clip, style={"tempo": tempo}, source="pybullet_data DeepMimic walk, slowed")


def signature(take: phav.Take) -> SignatureResult:
    """Stroll: the pelvis moves at strolling speed and stays above the knees."""
    v = signals.pelvis_speed(take)
    upright = bool(np.all(signals.joint(take, "pelvis")[:, 2] > signals.joint(take, "left_knee")[:, 2]))
    ok = STROLL_SPEED[0] <= v <= STROLL_SPEED[1] and upright
    return SignatureResult(ok, f"pelvis speed {v:.2f} m/s, upright={upright}")


def register() -> None:
    """Register Stroll once (importing this module does it; a second import changes nothing)."""
    try:
        get_action("Stroll")
    except ValueError:
        phav.register_action(ActionRecipe("Stroll", frozenset({"extra"}), ("walk",), signature,
                                          "a slow, relaxed walk (example plugin)", build=build, duration=1.5))


register()


def main() -> None:
    from _common import options

    args = options(__doc__.splitlines()[0], frames=45)
    scene = phav.Scene("Plain", frames=args.frames, size=args.size, seed=args.seed)
    # the signature needs 1.5 s to judge; the tiny smoke run is too short for it
    scene.add_person("Stroll", actor="Model_ElderlyWoman", check_signature=not args.tiny)
    take = scene.simulate()
    print("signature:", take.meta["scene"]["people"][0]["signature"])
    print(scene.write(args.out, take, quality=args.quality, overwrite=True))


if __name__ == "__main__":
    main()

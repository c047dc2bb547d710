"""Render settings: supersampling, clip planes, post chain and ground-truth tolerances."""

from __future__ import annotations

import dataclasses

#: Post passes the chain knows, in their canonical order (a later issue adds ssao, ssr, bloom, motion_blur).
POST_PASSES: tuple[str, ...] = ("tonemap", "vignette")


@dataclasses.dataclass(frozen=True)
class RenderSettings:
    """How a :class:`~phav.render.Renderer` renders.

    Attributes:
        ssaa: supersampling factor per axis for the lit image (``img``, ``raw``); ground truth is
            always rendered at output size.
        near, far: clip planes, metres. Geometry outside them is not drawn (it reads as sky).
        post: the post chain on the RGB image, applied in this order (names from :data:`POST_PASSES`).
        exposure: multiplier on linear radiance before the tone curve.
        saturation: colour grade saturation (1 = unchanged).
        vignette: fraction of light lost in the image corners (0 = none).
        cull_back_faces: skip triangles seen from behind (only for closed, consistently wound meshes).
        occlusion_rel_tol, occlusion_abs_tol: a pixel's flow is valid when its predicted depth at
            t+1 is within ``rel * depth + abs`` metres of frame t+1's depth at the target pixel.
    """

    ssaa: int = 2
    near: float = 0.05
    far: float = 1000.0
    post: tuple[str, ...] = POST_PASSES
    exposure: float = 1.5
    saturation: float = 1.1
    vignette: float = 0.25
    cull_back_faces: bool = False
    occlusion_rel_tol: float = 0.01
    occlusion_abs_tol: float = 0.01

    def __post_init__(self) -> None:
        if not (isinstance(self.ssaa, int) and 1 <= self.ssaa <= 8):
            raise ValueError(f"ssaa must be an integer in 1..8, got {self.ssaa!r}")
        if not (0.0 < self.near < self.far):
            raise ValueError(f"need 0 < near < far, got near={self.near}, far={self.far}")
        unknown = [p for p in self.post if p not in POST_PASSES]
        if unknown:
            raise ValueError(f"unknown post passes {unknown}; choose from {', '.join(POST_PASSES)}")
        if self.exposure <= 0.0:
            raise ValueError(f"exposure must be positive, got {self.exposure}")
        if not 0.0 <= self.vignette <= 1.0:
            raise ValueError(f"vignette must be in [0, 1], got {self.vignette}")
        if self.occlusion_rel_tol < 0.0 or self.occlusion_abs_tol < 0.0:
            raise ValueError("occlusion tolerances must be >= 0")

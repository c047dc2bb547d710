"""params.json: the full spec, conventions, versions; deterministic."""

from __future__ import annotations

import json

from io_synth import FIXED_VERSIONS
from phav.io import params
from phav.spec import VideoSpec


def test_params_content(spec, take):
    p = params.build_params(spec, resolved_clip="walk", meta=take.meta, modalities=("img", "depth"),
                            gl_renderer="llvmpipe (LLVM 15.0.7, 256 bits)", versions=FIXED_VERSIONS)
    assert VideoSpec.from_dict(p["spec"]) == spec
    assert p["seed"] == 7 and p["clip"] == "walk" and p["folder_name"] == spec.folder_name("walk")
    assert p["meta"]["settings"] == {"substeps": 8}
    assert p["gl_renderer"].startswith("llvmpipe")
    assert p["conventions"] == params.CONVENTIONS
    for key in ("units", "quaternions", "camera", "pixels", "depth", "flow", "flow_valid", "semantic", "instance", "frames"):
        assert key in p["conventions"]
    text = params.params_json(p)
    assert json.loads(text)["meta"]["pi"] == 3.141593
    assert text == params.params_json(params.build_params(
        spec, resolved_clip="walk", meta=take.meta, modalities=("img", "depth"),
        gl_renderer="llvmpipe (LLVM 15.0.7, 256 bits)", versions=FIXED_VERSIONS))


def test_package_versions_import_nothing():
    import sys

    had = "pybullet" in sys.modules
    versions = params.package_versions()
    assert set(versions) == set(params.VERSIONED_PACKAGES)
    assert versions["numpy"] is not None
    assert ("pybullet" in sys.modules) == had
    assert params.package_versions(["no-such-package-phav"]) == {"no-such-package-phav": None}

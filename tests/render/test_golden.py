"""Golden images per quality preset (tolerance in tests/render/golden_images.py). On failure the
rendered image and an amplified difference image are written next to the test's tmp_path and
named in the message. Regenerate after an intended change: ``python scripts/regenerate_goldens.py``."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from golden_images import QUALITIES, compare, golden_path, render_golden

pytestmark = pytest.mark.gl


@pytest.mark.parametrize("quality", QUALITIES)
def test_golden_image(quality, tmp_path):
    path = golden_path(quality)
    if not path.exists():
        pytest.fail(f"missing golden {path}; run python scripts/regenerate_goldens.py")
    got = render_golden(quality)
    want = np.asarray(Image.open(path).convert("RGB"))
    ok, summary, diff = compare(got, want)
    if not ok:
        Image.fromarray(got).save(tmp_path / f"{quality}_got.png")
        Image.fromarray(diff).save(tmp_path / f"{quality}_diff.png")
    assert ok, f"{quality}: {summary}; see {tmp_path}/{quality}_got.png and _diff.png"

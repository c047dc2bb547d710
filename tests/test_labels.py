"""The 63-class palette and instance colours."""

import numpy as np
import pytest

from phav.labels import BODY_PART_NAMES, NUM_CLASSES, PALETTE, class_id, colorize_semantic, instance_colors


def test_palette_has_63_distinct_colours_and_27_body_parts():
    assert NUM_CLASSES == 63 and len(BODY_PART_NAMES) == 27
    assert len({tuple(c) for c in PALETTE[:NUM_CLASSES]}) == 63
    assert tuple(PALETTE[class_id("Sky")]) == (90, 200, 255)
    assert tuple(PALETTE[class_id("RightAnkle")]) == (255, 105, 180)


def test_unknown_class_lists_valid_ones():
    with pytest.raises(ValueError, match="valid classes: Terrain, Sky"):
        class_id("Dragon")


def test_colorize_uses_the_table():
    ids = np.array([[0, 1], [13, 62]], dtype=np.uint8)
    np.testing.assert_array_equal(colorize_semantic(ids)[1, 1], [255, 105, 180])


def test_instance_colours_are_unique_and_never_black():
    colors = instance_colors(500)
    assert tuple(colors[0]) == (0, 0, 0)
    assert len({tuple(c) for c in colors[1:]}) == 500
    assert not np.any(np.all(colors[1:] == 0, axis=1))

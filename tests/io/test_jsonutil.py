"""read_json: a broken file is one DataError line naming it and where its text breaks off."""

from __future__ import annotations

import pytest

from phav.errors import DataError
from phav.io.jsonutil import read_json


@pytest.mark.parametrize("text, words", [
    ('{"a": "x\ty"}', "(Invalid control character at line 1, column 9)"),
    ('{"a": 1', "(Expecting ',' delimiter at line 1, column 8)"),
])
def test_invalid_json_says_what_and_where_once(tmp_path, text, words):
    path = tmp_path / "params.json"
    path.write_text(text)
    with pytest.raises(DataError) as info:
        read_json(path)
    assert str(info.value).startswith(f"{path} is not valid JSON {words}; ")
    assert " at at " not in str(info.value)

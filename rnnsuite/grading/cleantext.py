"""Text from a child made safe for every report: terminal, CSV, JSON, XML."""
from __future__ import annotations

import re
from typing import Any

#: what may not reach a report: C0/C1 controls but tab and newline, lone surrogates, the two
#: non-characters XML forbids, and the bidirectional overrides that make text read differently
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
REPLACEMENT = "\ufffd"


def clean_text(text: str) -> str:
    """The text with every character unsafe in a report, a terminal or XML replaced by U+FFFD."""
    return _UNSAFE.sub(REPLACEMENT, text)


def clean_strings(value: Any) -> Any:
    """A parsed JSON value with ``clean_text`` applied to every string in it, keys included."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_strings(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_strings(v) for k, v in value.items()}
    return value

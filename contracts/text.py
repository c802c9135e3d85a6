"""Free text as every request schema takes it: no invisible characters, NFC.

A name or an address is shown to people, written to workbooks and logs, and
compared with other names. Characters that cannot be seen change all of that:
C0 and C1 control characters (a newline forges a log line; openpyxl refuses
most of them in a workbook), bidirectional controls (they reorder what a
reader sees, e.g. "Trojan Source") and zero-width characters (two names that
look the same are different strings). They are refused, with a 422 naming the
field, rather than silently dropped: the client learns that its data is
dirty. What is accepted is normalised to NFC, so that one name has one
spelling however it was typed.
"""
import re
import unicodedata

from marshmallow import fields

# One source for the check here and the OpenAPI ``pattern``: \uXXXX escapes
# mean the same in Python's re and in the ECMA-262 patterns JSON Schema uses.
INVISIBLE_CLASS = (
    r"\u0000-\u001f\u007f-\u009f"    # C0, DEL and C1 controls
    r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional controls
    r"\u200b-\u200d\u2060\ufeff"    # zero-width space, (non-)joiner, word joiner, BOM
)
PATTERN = rf"^[^{INVISIBLE_CLASS}]*$"
_INVISIBLE = re.compile(rf"[{INVISIBLE_CLASS}]")

REFUSED = "must not contain control, bidirectional or zero-width characters"
DESCRIPTION = ("Free text: control characters (C0, C1), bidirectional controls and zero-width characters are "
               "refused (422); the text is stored normalised to Unicode NFC.")


def has_invisible(value):
    return bool(_INVISIBLE.search(value))


def printable(value, replacement="\ufffd"):
    """``value`` with each refused character replaced, for text stored before
    the check existed (the export, log lines)."""
    return _INVISIBLE.sub(replacement, value)


class Text(fields.String):
    """A string field that refuses invisible characters and loads as NFC.

    Validators (lengths) see the normalised value. The OpenAPI document gets
    the ``pattern`` and a sentence added to the field's description.
    """

    default_error_messages = {"invisible": REFUSED}

    def __init__(self, *args, metadata=None, **kwargs):
        metadata = dict(metadata or {})
        metadata.setdefault("pattern", PATTERN)
        described = metadata.get("description")
        metadata["description"] = f"{described}. {DESCRIPTION}" if described else DESCRIPTION
        super().__init__(*args, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if has_invisible(text):
            raise self.make_error("invisible")
        return unicodedata.normalize("NFC", text)

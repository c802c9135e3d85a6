"""Free text as every request schema takes it: no invisible characters, NFC.

A name or an address is shown to people, written to workbooks and logs, and
compared with other names. Characters that cannot be seen change all of that:
C0 and C1 control characters (a newline forges a log line; openpyxl refuses
most of them in a workbook), bidirectional controls (they reorder what a
reader sees, e.g. "Trojan Source") and zero-width characters (two names that
look the same are different strings); so are the Unicode line and paragraph
separators, which many readers take for line breaks. They are refused, with a 422 naming the
field, rather than silently dropped: the client learns that its data is
dirty. What is accepted is normalised to NFC, so that one name has one
spelling however it was typed.
"""
import logging
import re
import unicodedata

from marshmallow import fields

# One source for the check here and the OpenAPI ``pattern``: \uXXXX escapes
# mean the same in Python's re and in the ECMA-262 patterns JSON Schema uses.
INVISIBLE_CLASS = (
    r"\u0000-\u001f\u007f-\u009f"    # C0, DEL and C1 controls
    r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional controls
    r"\u200b-\u200d\u2060\ufeff"    # zero-width space, (non-)joiner, word joiner, BOM
    r"\u2028\u2029"                  # line and paragraph separators: line breaks to many readers
)
PATTERN = rf"^[^{INVISIBLE_CLASS}]*$"
_INVISIBLE = re.compile(rf"[{INVISIBLE_CLASS}]")

REFUSED = "must not contain control, bidirectional or zero-width characters"
DESCRIPTION = ("Free text: control characters (C0, C1, U+2028, U+2029), bidirectional controls and zero-width "
               "characters are refused (422); the text is stored normalised to Unicode NFC.")


def has_invisible(value):
    return bool(_INVISIBLE.search(value))


def printable(value, replacement="\ufffd"):
    """``value`` with each refused character replaced, for text stored before
    the check existed (the export, log lines)."""
    return _INVISIBLE.sub(replacement, value)


def escape_invisible(value):
    """``value`` with each refused character written as its escape (a newline
    as \\x0a, U+202E as \\u202e): for log lines, where a raw newline would
    start a forged line and a bidirectional control would reorder one."""
    return _INVISIBLE.sub(lambda found: _escape(found.group()), value)


def _escape(character):
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _escaped_argument(argument):
    if isinstance(argument, (int, float, bool)) or argument is None:
        return argument
    try:
        text = argument if isinstance(argument, str) else str(argument)
    except Exception:  # noqa: BLE001 - the formatter will say it cannot render it
        return argument
    return escape_invisible(text) if has_invisible(text) else argument


class EscapeInvisibleArguments(logging.Filter):
    """Escapes invisible characters in what a log call interpolates (its
    arguments, a tuple or a dict), so a value from outside can never write a
    line of its own. The format string is the code's own and stays as it is
    (some are deliberately several lines long).

    Put it on a handler (the services' LOGGING config does) or a logger.
    """

    def filter(self, record):
        if isinstance(record.args, dict):
            record.args = {key: _escaped_argument(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_escaped_argument(argument) for argument in record.args)
        if record.exc_info and record.exc_info[1] is not None:
            self._escape_exception_messages(record)
        return True

    @staticmethod
    def _escape_exception_messages(record):
        """A traceback is several lines by design; what an exception says (its
        message, which may quote a value) is escaped inside it."""
        messages, seen, exc = [], set(), record.exc_info[1]
        while exc is not None and id(exc) not in seen:
            seen.add(id(exc))
            try:
                message = str(exc)
            except Exception:  # noqa: BLE001 - the formatter will say it cannot render it
                message = ""
            if has_invisible(message):
                messages.append(message)
            exc = exc.__cause__ or exc.__context__
        if not messages:
            return
        if not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for message in messages:
            record.exc_text = record.exc_text.replace(message, escape_invisible(message))
        # Formatters write exc_text when it is set; one that formats exc_info
        # afresh would undo the escaping.
        record.exc_info = None


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

"""Logging that never carries an ID number or a phone number.

The first guarantee is that the gateway logs no request body, no query string
and no reply: a lookup by ID number is a POST for that reason, and the access
log (``gateway/gunicorn.conf.py``) writes the path without its query. This
module is the second: :class:`RedactPersonalData` rewrites any 18-character
resident identity number or 11-digit mobile number in a record's message and
traceback before a handler writes it. Every gateway logger carries it
(:func:`get_logger`), and the gunicorn configuration puts it on gunicorn's own
handlers, which also write the access log and what the libraries log there.

It also escapes control, bidirectional and zero-width characters in what a log
call interpolates (``contracts.text.EscapeInvisibleArguments``): a request path
with ``%0A`` in it reaches gunicorn's access log decoded, and would otherwise
write a forged line of its own.
"""
import logging
import re

from contracts.text import EscapeInvisibleArguments

# Bounded by non-digits on both sides, so that longer digit runs (timestamps,
# counters) are left alone; the ID number's last character may be X.
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<![0-9])1[0-9]{10}(?![0-9])")

REDACTED_ID_NUMBER = "[id-number]"
REDACTED_PHONE = "[phone]"


def redact(text):
    """``text`` with every ID number and mobile number replaced by a placeholder."""
    if not text:
        return text
    return PHONE.sub(REDACTED_PHONE, ID_NUMBER.sub(REDACTED_ID_NUMBER, text))


_ESCAPE = EscapeInvisibleArguments()


class RedactPersonalData(logging.Filter):
    """Rewrites a record's message (arguments merged in, invisible characters
    in them escaped) and traceback, redacted."""

    def filter(self, record):
        _ESCAPE.filter(record)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is the handler's to report
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            # Formatters write exc_text when it is set; dropping the exception
            # itself keeps one that formats exc_info afresh from leaking it.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactPersonalData()


def get_logger(name):
    """``logging.getLogger(name)`` with the redacting filter on it.

    A logger's filters apply to the records made on that logger, whatever
    handler (gunicorn's, pytest's, a developer's) finally writes them.
    """
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


def redact_handlers(*loggers):
    """Put the filter on every handler of these loggers (gunicorn's, in its config)."""
    for logger in loggers:
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)

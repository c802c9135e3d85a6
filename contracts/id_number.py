"""The 18-character resident identity number (公民身份号码, GB 11643-1999).

Six characters of region, eight of birth date (YYYYMMDD), three of sequence
(odd for men, even for women) and an ISO 7064 MOD 11-2 check character
(0-9 or X). python-stdnum's ``cn.ric`` computes the check character; its
``validate`` is not used because it also refuses region codes missing from its
own list, and counties are renamed more often than that list is.
"""
from datetime import date

from stdnum.cn import ric
from stdnum.exceptions import ValidationError as NumberError

PATTERN = r"^\d{17}[\dX]$"

NOT_AN_ID_NUMBER = "must be an 18-character resident identity number (17 digits, then a digit or X)"
BAD_CHECK_CHARACTER = "the check character (the last one) does not match the first 17 (GB 11643 MOD 11-2)"
BAD_BIRTH_DATE = "characters 7 to 14 are not a date (YYYYMMDD)"


def check_character(first17):
    """The 18th character for these 17 digits."""
    # stdnum's function takes a whole number and ignores its last character.
    return ric.calc_check_digit(first17 + "0")


def birth_date_of(id_number):
    """The birth date inside a well-formed ID number, or None if those characters are no date."""
    try:
        return ric.get_birth_date(id_number)
    except (NumberError, ValueError):
        return None


def problem(id_number):
    """Why ``id_number`` (already upper-case, no spaces) is not a valid number,
    or None. The reasons never repeat the value: they end up in logs."""
    if not isinstance(id_number, str) or len(id_number) != 18 or not id_number[:17].isascii() \
            or not id_number[:17].isdigit() or id_number[17] not in "0123456789X":
        return NOT_AN_ID_NUMBER
    if check_character(id_number[:17]) != id_number[17]:
        return BAD_CHECK_CHARACTER
    if birth_date_of(id_number) is None:
        return BAD_BIRTH_DATE
    return None


def build(region, birth_date, sequence):
    """A valid number for a six-digit ``region`` code (e.g. "620724"), a
    ``birth_date`` (a date or "YYYY-MM-DD") and a ``sequence`` (0 to 999; odd
    for a man, even for a woman): for seed data, benchmarks and tests."""
    if isinstance(birth_date, str):
        birth_date = date.fromisoformat(birth_date)
    region = str(region)
    if len(region) != 6 or not region.isdigit() or not 0 <= int(sequence) <= 999:
        raise ValueError("region is six digits and sequence 0 to 999")
    first17 = f"{region}{birth_date:%Y%m%d}{int(sequence):03d}"
    return first17 + check_character(first17)

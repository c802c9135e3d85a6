"""Where a departure goes, seen from home: in the county (县内), in the
province (省内) or out of it (省外).

Places are matched against GB/T 2260 administrative division codes
(``gb2260_places.csv`` beside this module), by their full or short names, so
that 甘肃 and 甘肃省, 酒泉 and 酒泉市 are one place; the code decides, never the
spelling. The first two digits of a code are its province, the first four its
prefecture, all six its county.
"""
import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from contracts.errors import ErrorCode, RuleViolation

IN_COUNTY = "in_county"
IN_PROVINCE = "in_province"
OUT_OF_PROVINCE = "out_of_province"
REACHES = (IN_COUNTY, IN_PROVINCE, OUT_OF_PROVINCE)

# Gaotai (高台县, Zhangye, Gansu): the county this platform serves unless configured otherwise.
DEFAULT_HOME_CODE = "620724"

DATA_FILE = Path(__file__).with_name("gb2260_places.csv")


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    names: tuple  # the full name first, then the short ones

    @property
    def level(self):
        if self.code.endswith("0000"):
            return "province"
        if self.code.endswith("00"):
            return "prefecture"
        return "county"

    @property
    def province_code(self):
        return self.code[:2] + "0000"

    @property
    def prefecture_code(self):
        return self.code[:4] + "00"

    def within(self, other):
        """Whether this place lies in ``other`` (itself included)."""
        if other.level == "province":
            return self.code[:2] == other.code[:2]
        if other.level == "prefecture":
            return self.code[:4] == other.code[:4]
        return self.code == other.code


@dataclass(frozen=True)
class Destination:
    reach: str
    code: str  # the most specific place matched: county, prefecture or province


def _normal(text):
    return "".join(unicodedata.normalize("NFKC", text or "").split())


class Places:
    def __init__(self, places):
        self.by_code = {place.code: place for place in places}
        self._provinces = {}
        self._below_province = []  # (name, place), longest names first
        for place in places:
            for name in place.names:
                if place.level == "province":
                    self._provinces[name] = place
                else:
                    self._below_province.append((name, place))
        self._below_province.sort(key=lambda item: (-len(item[0]), item[1].code))

    @classmethod
    def load(cls, path=DATA_FILE):
        with open(path, encoding="utf-8") as data:
            rows = csv.DictReader(line for line in data if not line.startswith("#"))
            return cls([
                Place(row["code"], row["name"], (row["name"], *filter(None, row["short_names"].split("|"))))
                for row in rows
            ])

    def province(self, text):
        return self._provinces.get(_normal(text))

    def place_in(self, text):
        """The most specific known place named in ``text`` (e.g. 酒泉市瓜州县 -> 瓜州县), or None."""
        text = _normal(text)
        found = [place for name, place in self._below_province if name in text]
        if not found:
            return None
        counties = [place for place in found if place.level == "county"]
        return (counties or found)[0]

    def classify(self, province_text, city_text, home_code=DEFAULT_HOME_CODE):
        """Where a destination lies from ``home_code``; a RuleViolation naming the field
        for a province not on the list, or a city that lies in another province."""
        home = self.by_code.get(home_code)
        if home is None:
            raise ValueError(f"the home place {home_code} is not in {DATA_FILE.name}")
        province = self.province(province_text)
        if province is None:
            raise RuleViolation(ErrorCode.VALIDATION_FAILED, "the destination province is not one of China's 31 provinces",
                                {"destination_province": ["not a province (省/自治区/直辖市), e.g. 甘肃省 or 甘肃"]})
        place = self.place_in(city_text)
        if place is not None and not place.within(province):
            owner = self.by_code[place.province_code]
            raise RuleViolation(ErrorCode.VALIDATION_FAILED, "the destination city is not in the destination province",
                                {"destination_city": [f"{place.name} is in {owner.name}, not {province.name}"]})
        code = (place or province).code
        if not home.within(province):
            return Destination(OUT_OF_PROVINCE, code)
        # In the home province: only a place that lies inside the home county is
        # in the county; a prefecture or an unknown place is somewhere in the province.
        if place is not None and place.within(home):
            return Destination(IN_COUNTY, code)
        return Destination(IN_PROVINCE, code)


_PLACES = None


def places():
    """The list, read once."""
    global _PLACES
    if _PLACES is None:
        _PLACES = Places.load()
    return _PLACES


def classify(province_text, city_text, home_code=DEFAULT_HOME_CODE):
    return places().classify(province_text, city_text, home_code)

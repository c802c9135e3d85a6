"""Where a departure goes, seen from Gaotai: matched by GB/T 2260 code, not by spelling."""
from datetime import date

import pytest

from contracts.errors import RuleViolation
from services.roster.domain import places
from services.roster.domain.places import IN_COUNTY, IN_PROVINCE, OUT_OF_PROVINCE
from services.roster.domain.statistics import percent, year_ends


@pytest.mark.parametrize("province, city, reach, code", [
    ("甘肃省", "酒泉市瓜州县", IN_PROVINCE, "620922"),
    ("甘肃", "瓜州", IN_PROVINCE, "620922"),          # short names are the same place
    ("甘肃省", "酒泉市肃州区", IN_PROVINCE, "620902"),
    ("甘肃省", "嘉峪关市", IN_PROVINCE, "620200"),
    ("甘肃", "嘉峪关", IN_PROVINCE, "620200"),
    ("甘肃省", "张掖市甘州区", IN_PROVINCE, "620702"),  # the home prefecture, another county
    ("甘肃省", "张掖市", IN_PROVINCE, "620700"),        # the prefecture alone is not the county
    ("甘肃省", "兰州市", IN_PROVINCE, "620100"),
    ("甘肃省", "张掖市高台县", IN_COUNTY, "620724"),
    ("甘肃", "高台县城", IN_COUNTY, "620724"),
    ("甘肃省", "某个不在名单上的地方", IN_PROVINCE, "620000"),  # the province is known, the place is not
    ("陕西省", "西安市", OUT_OF_PROVINCE, "610100"),    # a prefecture of another province
    ("新疆", "乌鲁木齐", OUT_OF_PROVINCE, "650100"),
    ("新疆维吾尔自治区", "哈密市", OUT_OF_PROVINCE, "650500"),
    ("内蒙古自治区", "阿拉善盟", OUT_OF_PROVINCE, "152900"),
    ("北京市", "北京市朝阳区", OUT_OF_PROVINCE, "110000"),  # a municipality is its own province
    (" 甘肃 省 ", "嘉峪关", IN_PROVINCE, "620200"),      # spaces as typed
])
def test_destinations_are_classified_from_the_home_county(province, city, reach, code):
    assert places.classify(province, city) == places.Destination(reach, code)


def test_an_unknown_province_names_the_field():
    with pytest.raises(RuleViolation) as refused:
        places.classify("火星", "奥林匹斯山")
    assert refused.value.code == "validation_failed" and "destination_province" in refused.value.details


def test_a_city_of_another_province_names_the_city():
    with pytest.raises(RuleViolation) as refused:
        places.classify("甘肃省", "西安市")
    assert list(refused.value.details) == ["destination_city"]
    assert "陕西省" in refused.value.details["destination_city"][0]


def test_the_home_county_is_configurable():
    # Seen from Suzhou district of Jiuquan, Guazhou is in the province and Suzhou itself in the county.
    assert places.classify("甘肃省", "肃州区", home_code="620902").reach == IN_COUNTY
    assert places.classify("甘肃省", "高台县", home_code="620902").reach == IN_PROVINCE
    with pytest.raises(ValueError):
        places.classify("甘肃省", "高台县", home_code="999999")


def test_the_list_covers_every_province_and_every_prefecture_of_gansu():
    listed = places.places().by_code
    provinces = [code for code in listed if code.endswith("0000")]
    assert len(provinces) == 31
    gansu = {code for code in listed if code.startswith("62") and code.endswith("00") and code != "620000"}
    assert gansu == {"620100", "620200", "620300", "620400", "620500", "620600", "620700", "620800", "620900",
                     "621000", "621100", "621200", "622900", "623000"}
    # Every province (but the four municipalities) has its capital on the list.
    municipalities = {"110000", "120000", "310000", "500000"}
    for province in set(provinces) - municipalities:
        assert province[:2] + "0100" in listed, listed[province].name


def test_percentages_are_rounded_half_up_to_one_decimal():
    assert percent(1807, 7009) == 25.8
    assert percent(690, 1807) == 38.2
    assert percent(1, 8) == 12.5 and percent(1, 16) == 6.3  # 6.25 -> 6.3, not banker's 6.2
    assert percent(0, 0) == 0.0


def test_year_ends_stop_at_the_statistics_date():
    assert year_ends(2015, date(2017, 3, 1)) == [
        (2015, date(2015, 12, 31)), (2016, date(2016, 12, 31)), (2017, date(2017, 3, 1))]
    assert year_ends(2017, date(2017, 12, 31)) == [(2017, date(2017, 12, 31))]
    assert year_ends(1980, date(2000, 1, 1)) == [(2000, date(2000, 1, 1))]

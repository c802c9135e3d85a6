"""Load a small demo county shaped like Gaotai (DOMAIN.md) through the gateway,
as another county system would. Does nothing if the county is already there.

    LIUDONG_API_KEY=ld_... .venv/bin/python scripts/seed_demo.py http://127.0.0.1:8000

The key needs organisations:read/write, members:read/write and movements:write.
"""
import os
import random
import sys
from datetime import date, timedelta

import requests

from contracts import id_number as id_numbers

TOWNS = ["城关镇", "宣化镇", "南华镇", "巷道镇", "合黎镇", "骆驼城镇", "新坝镇", "黑泉镇", "罗城镇"]
VILLAGES_PER_TOWN = 2
MEMBERS_PER_VILLAGE = 6
DESTINATIONS = [  # where the county's mobile members cluster (两类设置, 县外)
    ("瓜州县流动党员党支部", "甘肃省", "酒泉市瓜州县"),
    ("肃州区流动党员党支部", "甘肃省", "酒泉市肃州区"),
    ("嘉峪关市流动党员党支部", "甘肃省", "嘉峪关市"),
    ("甘州区流动党员党支部", "甘肃省", "张掖市甘州区"),
]
AWAY_SHARE = 0.258  # 1,807 of 7,009 rural members
OUTSIDE_PROVINCE_SHARE = 0.382
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "红梅", "志强", "秀英", "海军", "玉兰", "永福", "春燕", "国栋", "晓东", "丽娟", "文斌"]
WORK = ["建筑工地", "枸杞采摘", "物流运输", "餐饮服务", "制造企业", "个体经营"]
OUT_OF_PROVINCE = [("新疆维吾尔自治区", "乌鲁木齐市"), ("陕西省", "西安市"), ("宁夏回族自治区", "银川市")]


class Gateway:
    def __init__(self, base_url):
        self.base = base_url.rstrip("/") + "/api/v1"
        self.http = requests.Session()
        self.http.headers["X-API-Key"] = os.environ["LIUDONG_API_KEY"]

    def post(self, path, body):
        response = self.http.post(self.base + path, json=body, timeout=10)
        if response.status_code >= 400:
            raise SystemExit(f"POST {path} failed: {response.status_code} {response.text}")
        return response.json()

    def get(self, path, **params):
        response = self.http.get(self.base + path, params=params, timeout=10)
        response.raise_for_status()
        return response.json()


def organisation(gateway, name, kind, parent=None, location=None):
    body = {"name": name, "kind": kind, "parent_id": parent["id"] if parent else None}
    if location:
        body["location"] = location
    return gateway.post("/organisations", body)


def id_number(serial, birth, gender):
    # 620724 is Gaotai's area code; the sequence is made up from the serial
    # (odd for a man, even for a woman, as GB 11643 has it), the check character real.
    return id_numbers.build("620724", birth, (serial % 500) * 2 + (1 if gender == "male" else 0))


def seed(base_url, seed_value=2021):
    gateway = Gateway(base_url)
    if gateway.get("/organisations", kind="party_committee", per_page=1)["total"]:
        print("demo county already loaded")
        return
    rng = random.Random(seed_value)
    county = organisation(gateway, "中共高台县委员会", "party_committee")
    for name, _province, place in DESTINATIONS:
        organisation(gateway, name, "destination_mobile_branch", county, place)
    station = organisation(gateway, "高台县流动党员管理服务站", "service_station", county, "高台县城")
    for n, town in enumerate(TOWNS[:8], start=1):
        organisation(gateway, f"城区第{n}流动党员党支部", "urban_mobile_branch", county, "高台县城")
        organisation(gateway, f"{town}流动党员服务点", "service_point", station, "高台县城")
    organisation(gateway, "城关镇红色驿站", "red_station", county, "城关镇")

    serial, members, away = 0, 0, 0
    for town_name in TOWNS:
        town = organisation(gateway, f"中共高台县{town_name}委员会", "party_committee", county)
        for v in range(1, VILLAGES_PER_TOWN + 1):
            branch = organisation(gateway, f"{town_name}第{v}村党支部", "branch", town)
            organisation(gateway, f"{town_name}第{v}村网络党支部", "village_online_branch", branch)
            for _ in range(MEMBERS_PER_VILLAGE):
                serial += 1
                birth = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
                gender = rng.choice(["male", "male", "female"])
                member = gateway.post("/members", {
                    "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                    "gender": gender,
                    "birth_date": birth.isoformat(),
                    "id_number": id_number(serial, birth, gender),
                    "phone": f"139{serial:08d}",
                    "joined_on": (birth + timedelta(days=365 * 25 + rng.randrange(0, 3000))).isoformat(),
                    "membership": "probationary" if rng.random() < 0.05 else "full",
                    "organisation_id": branch["id"],
                })
                members += 1
                if rng.random() < AWAY_SHARE:
                    if rng.random() < OUTSIDE_PROVINCE_SHARE:
                        province, city = rng.choice(OUT_OF_PROVINCE)
                    else:
                        _, province, city = rng.choice(DESTINATIONS)
                    gateway.post(f"/members/{member['id']}/departures", {
                        "departed_on": (date.today() - timedelta(days=rng.randrange(10, 400))).isoformat(),
                        "destination_province": province,
                        "destination_city": city,
                        "work": rng.choice(WORK),
                        "contact": member["phone"],
                        "expected_return_on": (date.today() + timedelta(days=rng.randrange(20, 200))).isoformat(),
                    })
                    away += 1
    print(f"demo county loaded: {len(TOWNS)} towns, {len(TOWNS) * VILLAGES_PER_TOWN} village branches, "
          f"{members} members, {away} of them away")


if __name__ == "__main__":
    seed(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")

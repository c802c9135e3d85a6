"""Load the demo county at full size, shaped like Gaotai (DOMAIN.md, "Who and how
many"), through the gateway, as another county system would:

- 24 Party committees (the county's, 9 towns', 14 of county bodies), 19 general
  branches, 458 branches, 136 village online branches, 4 destination branches (host,
  50,000 yuan budget) and 8 urban mobile branches (officers, activity day the 6th), the
  service station with 8 service points (officers), 17 red stations; 8 town–community pairings;
- 7,009 rural members in the village branches, 1,807 of them away (25.8%), 690
  of those out of the province (38.2%) and 510 in the county town; away members
  742 at the end of 2015, growing year by year to 1,807 today;
- education (issue 9): the county's winter training (冬训); the pre-departure talk each
  departure opened, 300 of them recorded as held; 60 seasonal workers home today, whom
  their return enrolled in the winter training, with three sessions' registers and skills;
  the monthly activity day of 24 village branches over the past year, participation rising from
  40% to 85%; 400 study records of away members; three courses pushed to every town's
  away members by SMS, WeChat group and the app;
- scoring (issue 10): last year graded. The platform came to the county this year, so last
  year's points are the branches' paper ledgers (纸质积分台账), entered as manual entries with
  a reason (POST /score-entries/batch) and checked by a second person, the town's checker
  (a key of its own: LIUDONG_CHECKER_API_KEY; no one approves their own entry), beside the
  points last December's activity days earned on the platform. DOMAIN.md gives no figures
  for the grades; we assumed a spread a county would find plausible: 15% excellent (优秀),
  76% qualified (合格), 7% warned (警示), 2% unqualified (不合格). Then last year is graded.
- outreach (issue 11), dated back from today so that a load on any day has a whole year: every
  away member paired a year ago with a committee member of their branch, one to one or one to
  many (帮扶联系, 1+1 and 1+N), and the year's contacts:
  each of the four ones (四个一) kept in a quarter with an assumed share of the members (a call
  70%, a text 50%, mailed material 35%, a letter 15%), synced in batches as a device would; help
  cases of every kind, 24 solved (DOMAIN.md), among them 1.2 million yuan of unpaid wages
  recovered, 24 jobs found and 120 disputes settled by the "workers' home"; 16 volunteer
  activities; five returnees' projects with 512 jobs, a hometown visit of 24 people and a
  blueprint meeting; the reserve reviews the seasonal workers' returns opened, decided (18
  village cadres, 30 reserve cadres) and 18 homecoming visits made; 24 vanguard posts and
  businesses; 12 candidates admitted after inspection and notice in both places; and the coming
  Spring Festival's care campaign (春节慰问) listed for the whole county.

Members and departures go in batches (POST /members/batch and
/members/departures/batch, 200 items each (the API takes up to 500, but a
batch must stay well inside the gateway's 4 s RPC timeout on a slow machine
with another batch waiting on SQLite's one writer), each item validated and
answered on its own), organisations a level at a time, several requests at once: one
request per member would take minutes. Deterministic (a fixed random seed)
and idempotent: a county already there is left alone.

    LIUDONG_API_KEY=ld_... .venv/bin/python scripts/seed_demo.py http://127.0.0.1:8000

The key needs organisations:read/write, members:read/write, movements:write,
education:read, talks:write, trainings:write, sessions:write, study:write, pushes:write,
scoring:read, score_entries:write, grading:write, outreach:read, pairings:write,
contacts:write, care:write, projects:write and reserve:write; the checker's key, scoring:read
and score_entries:approve.
"""
import os
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import requests

from contracts import id_number as id_numbers

# ---- the county's figures (DOMAIN.md) -------------------------------------------------
MEMBERS = 7009
AWAY = 1807
OUT_OF_PROVINCE = 690
IN_COUNTY = 510           # rural members who moved to the county town
AWAY_AT_END_OF_2015 = 742
PARTY_COMMITTEES, GENERAL_BRANCHES, BRANCHES = 24, 19, 458
VILLAGES = 136
COUNTY_CODE = "620724"    # 高台县
COUNTY_TIMEZONE = ZoneInfo("Asia/Shanghai")
BATCH = 200
THREADS = 6

TOWNS = ["城关镇", "宣化镇", "南华镇", "巷道镇", "合黎镇", "骆驼城镇", "新坝镇", "黑泉镇", "罗城镇"]
COUNTY_BODIES = [
    "县直机关工作委员会", "县教育系统", "县卫生健康系统", "县公安局", "县人民法院", "县人民检察院", "县国有企业",
    "县非公有制经济组织和社会组织", "县农业农村局", "县交通运输局", "县水务局", "县市场监督管理局",
    "县自然资源局", "县住房和城乡建设局",
]
VILLAGE_NAMES = [
    "东联", "西联", "南联", "北联", "红联", "新联", "胜利", "和平", "永丰", "丰稔", "友好", "前进", "红星", "五一",
    "红崖", "沙河", "黑泉", "十坝", "定平", "镇江", "小海子", "天城", "双丰", "许三湾", "建康", "骆驼城", "明永",
]
DESTINATION_BRANCHES = [  # where the county's mobile members cluster (两类设置, 县外), with their host
    ("瓜州县流动党员党支部", "甘肃省酒泉市瓜州县"),
    ("肃州区流动党员党支部", "甘肃省酒泉市肃州区"),
    ("嘉峪关市流动党员党支部", "甘肃省嘉峪关市"),
    ("甘州区流动党员党支部", "甘肃省张掖市甘州区"),
]
IN_COUNTY_PLACES = [("甘肃省", "张掖市高台县城关镇"), ("甘肃省", "高台县城区")]
IN_PROVINCE_PLACES = [  # (province, city), weight: the four destination branches hold 400+
    (("甘肃省", "酒泉市瓜州县"), 130), (("甘肃省", "酒泉市肃州区"), 110), (("甘肃省", "嘉峪关市"), 100),
    (("甘肃省", "张掖市甘州区"), 90), (("甘肃省", "兰州市"), 100), (("甘肃省", "酒泉市玉门市"), 40),
    (("甘肃省", "金昌市"), 37),
]
OUT_OF_PROVINCE_PLACES = [
    (("新疆维吾尔自治区", "乌鲁木齐市"), 140), (("新疆维吾尔自治区", "哈密市"), 90), (("新疆维吾尔自治区", "昌吉回族自治州"), 60),
    (("内蒙古自治区", "阿拉善盟"), 80), (("内蒙古自治区", "鄂尔多斯市"), 50), (("青海省", "海西蒙古族藏族自治州"), 70),
    (("宁夏回族自治区", "银川市"), 50), (("陕西省", "西安市"), 50), (("广东省", "深圳市"), 40), (("江苏省", "苏州市"), 30),
    (("浙江省", "宁波市"), 20), (("北京市", "北京市"), 10),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "建国红梅志强秀英海军玉兰永福春燕国栋晓东丽娟文斌德明桂芳振华玉珍立新凤英伟明淑珍学军春花兴旺秀兰国庆金花长青彩霞"
WORK = ["建筑工地", "枸杞采摘", "物流运输", "餐饮服务", "制造企业", "个体经营", "棉花采摘", "煤矿", "家政服务", "农业合作社"]


def today():
    """The county's calendar date, as the statistics see it."""
    return datetime.now(COUNTY_TIMEZONE).date()


class Gateway:
    def __init__(self, base_url, key_variable="LIUDONG_API_KEY"):
        self.base = base_url.rstrip("/") + "/api/v1"
        self.key = os.environ[key_variable]
        self.requests = 0

    def _session(self):
        session = requests.Session()
        session.headers["X-API-Key"] = self.key
        return session

    def send(self, method, path, body=None, idempotency_key=None, session=None, **params):
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        for attempt in range(8):
            self.requests += 1
            response = (session or self._session()).request(method, self.base + path, json=body, params=params,
                                                            headers=headers, timeout=60)
            # Throttled or momentarily unavailable: wait as told and send the same request again
            # (writes carry an Idempotency-Key, so a repeat has no second effect).
            if response.status_code in (429, 503) and attempt < 7:
                time.sleep(float(response.headers.get("Retry-After") or 1))
                continue
            if response.status_code >= 400:
                raise SystemExit(f"{method} {path} failed: {response.status_code} {response.text[:500]}")
            return response.json()


def _weighted(rng, places, count):
    choices = [place for place, _weight in places]
    return rng.choices(choices, weights=[weight for _place, weight in places], k=count)


def organisation_plan():
    """(key, name, kind, parent key, location), parents before children."""
    plan = [("county", "中共高台县委员会", "party_committee", None, "甘肃省张掖市高台县")]
    for name, location in DESTINATION_BRANCHES:
        plan.append((name, name, "destination_mobile_branch", "county", location))
    plan.append(("station", "高台县流动党员管理服务站", "service_station", "county", "高台县城"))
    for n, town in enumerate(TOWNS[:8], start=1):
        plan.append((f"urban-{n}", f"城区第{n}流动党员党支部", "urban_mobile_branch", "county", "高台县城"))
        plan.append((f"point-{n}", f"{town}流动党员服务点", "service_point", "station", "高台县城"))
    for n in range(17):
        town = TOWNS[n % len(TOWNS)]
        plan.append((f"red-{n}", f"{town}红色驿站{'一二'[n // len(TOWNS)]}号", "red_station", "county", town))
    for town in TOWNS:
        plan.append((town, f"中共高台县{town}委员会", "party_committee", "county", town))
    for body in COUNTY_BODIES:
        plan.append((body, f"中共高台{body}委员会", "party_committee", "county", None))
    # 136 villages over the nine towns; the 19 largest are general branches (党总支) of two branches.
    village_branches = []
    for n in range(VILLAGES):
        town = TOWNS[n % len(TOWNS)]
        village = f"{town}{VILLAGE_NAMES[n // len(TOWNS)]}村"
        if n < GENERAL_BRANCHES:
            plan.append((village, f"{village}党总支", "general_branch", town, None))
            for part in ("第一", "第二"):
                plan.append((f"{village}{part}", f"{village}{part}党支部", "branch", village, None))
                village_branches.append(f"{village}{part}")
        else:
            plan.append((village, f"{village}党支部", "branch", town, None))
            village_branches.append(village)
        plan.append((f"{village}-online", f"{village}网络党支部", "village_online_branch", village, None))
    # The county bodies' own branches (no rural members), up to the county's 458 branches.
    for n in range(BRANCHES - len(village_branches)):
        body = COUNTY_BODIES[n % len(COUNTY_BODIES)]
        plan.append((f"{body}-{n}", f"{body}第{n // len(COUNTY_BODIES) + 1}党支部", "branch", body, None))
    return plan, village_branches


# ---- issue 8: the details of the county's own organisations, and its town–community pairings ----
DESTINATION_HOSTS = [  # the local community or company hosting each destination branch (made up)
    ("瓜州县渊泉镇城北社区", "community"), ("肃州区东北街道富康社区", "community"),
    ("酒泉钢铁（集团）有限责任公司", "company"), ("甘州区南街街道青年社区", "community"),
]
DESTINATION_BUDGET = 50_000  # yuan, DOMAIN.md
URBAN_ACTIVITY_DAY = 6       # the 6th of every month (DOMAIN.md 4.2)
COMMUNITIES = ["人民东路", "人民西路", "南关", "北关", "东环路", "西环路", "解放街", "滨河"]  # of the county town


def _person(n):
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(2 * n) % len(GIVEN):(2 * n) % len(GIVEN) + 2]


def _officers(n):
    return {officer: {"name": _person(3 * n + offset)}
            for offset, officer in enumerate(("secretary", "deputy_secretary", "liaison"))}


def organisation_details():
    """Details by plan key: destination branches' host and budget; the urban mobile branches', the
    station's and the service points' secretary, deputy and liaison; the urban branches' activity day."""
    details = {}
    for (name, _location), (host, kind) in zip(DESTINATION_BRANCHES, DESTINATION_HOSTS):
        details[name] = {"host": {"name": host, "kind": kind},
                         "budget": {"yuan": DESTINATION_BUDGET, "year": today().year}}
    details["station"] = _officers(0)
    for n in range(1, 9):
        details[f"urban-{n}"] = {**_officers(n), "activity_day": URBAN_ACTIVITY_DAY}
        details[f"point-{n}"] = _officers(8 + n)
    return details


DETAILS = organisation_details()


def pair_towns(gateway, created):
    """城乡结对: the 8 rural towns, each with a community of the county town (outside the platform's tree)."""
    rural = [town for town in TOWNS if town != "城关镇"]

    def pair(n):
        return gateway.send("POST", "/town-community-pairings", {
            "town_id": created[rural[n]]["id"], "community_name": f"城关镇{COMMUNITIES[n]}社区党委",
            "community_place": "甘肃省张掖市高台县城关镇"}, idempotency_key=f"seed-pairing-{n}")

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(pair, range(len(rural))))


def create_organisations(gateway, plan):
    created = {}
    # A level at a time (a parent exists before its children), several requests at once.
    levels = {}
    depth = {}
    for key, _name, _kind, parent, _location in plan:
        depth[key] = 0 if parent is None else depth[parent] + 1
        levels.setdefault(depth[key], []).append(key)
    spec = {row[0]: row for row in plan}
    number = {row[0]: n for n, row in enumerate(plan)}  # Idempotency-Keys are ASCII

    def create(key):
        _key, name, kind, parent, location = spec[key]
        body = {"name": name, "kind": kind, "parent_id": created[parent]["id"] if parent else None}
        if location:
            body["location"] = location
        body.update(DETAILS.get(key, {}))  # issue 8: host and budget, officers, activity day
        return key, gateway.send("POST", "/organisations", body, idempotency_key=f"seed-organisation-{number[key]}")

    with ThreadPoolExecutor(THREADS) as pool:
        for level in sorted(levels):
            created.update(pool.map(create, levels[level]))
    return created


def year_end_targets(now):
    """Away members at each year end from 2015 (742) to today (1,807), growing geometrically."""
    years = list(range(2015, now.year + 1))
    rate = (AWAY / AWAY_AT_END_OF_2015) ** (1 / max(len(years) - 1, 1))
    targets = {year: round(AWAY_AT_END_OF_2015 * rate ** (year - 2015)) for year in years}
    targets[now.year] = AWAY
    return targets


def departure_dates(rng, now):
    """1,807 departure days whose running totals give the year-end targets."""
    targets = year_end_targets(now)
    days = []

    def spread(count, first, last):
        span = (last - first).days
        days.extend(first + timedelta(days=rng.randint(0, span)) for _ in range(count))

    spread(AWAY_AT_END_OF_2015, date(2009, 3, 1), date(2015, 12, 31))
    for year in range(2016, now.year + 1):
        spread(targets[year] - targets[year - 1], date(year, 1, 1), min(date(year, 12, 31), now))
    return days


def people(rng, village_branches):
    """The 7,009 members, spread over the village branches, with valid and unique ID numbers."""
    used = set()
    members = []
    for serial in range(MEMBERS):
        gender = "male" if rng.random() < 0.62 else "female"
        while True:
            birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 38))
            sequence = rng.randrange(0, 500) * 2 + (1 if gender == "male" else 0)
            if (birth, sequence) not in used:
                used.add((birth, sequence))
                break
        joined = min(birth + timedelta(days=365 * 20 + rng.randrange(0, 365 * 25)), date(2007, 12, 31))
        members.append({
            "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
            "gender": gender,
            "birth_date": birth.isoformat(),
            "id_number": id_numbers.build(COUNTY_CODE, birth, sequence),
            "phone": f"139{30000000 + serial:08d}",
            "joined_on": joined.isoformat(),
            "membership": "full",
            "organisation_id": village_branches[serial % len(village_branches)],
        })
    return members


def departures(rng, now):
    """(province, city, departed_on) for each of the 1,807 away members."""
    places = (_weighted(rng, [(place, 1) for place in IN_COUNTY_PLACES], IN_COUNTY)
              + _weighted(rng, IN_PROVINCE_PLACES, AWAY - IN_COUNTY - OUT_OF_PROVINCE)
              + _weighted(rng, OUT_OF_PROVINCE_PLACES, OUT_OF_PROVINCE))
    rng.shuffle(places)
    return [(province, city, day) for (province, city), day in zip(places, departure_dates(rng, now))]


def batches(items):
    return [items[start:start + BATCH] for start in range(0, len(items), BATCH)]


def send_batches(gateway, path, name, items):
    def send(numbered):
        n, batch = numbered
        answer = gateway.send("POST", path, {"items": batch}, idempotency_key=f"seed-{name}-{n}")
        refused = [item for item in answer["items"] if item["status"] != 201]
        if refused:
            raise SystemExit(f"{len(refused)} {name} refused, e.g. {refused[0]}")
        return answer["items"]

    # SQLite takes one writer at a time: two batches in flight keep it busy without queueing.
    with ThreadPoolExecutor(2) as pool:
        return [item for answered in pool.map(send, enumerate(batches(items))) for item in answered]


# ---- a year of education (issue 9) ---------------------------------------------------------------
SEASONAL = 60             # home members who went for seasonal work three weeks ago and are back for the winter
TALKS_HELD = 300          # pre-departure talks the branches have recorded as held
TALK_METHODS = ["heart_to_heart", "home_visit", "phone"]
RHYTHMS = ["weekly", "fortnightly", "monthly", "quarterly"]
STUDY_PLANS = ["每月在党建App学习不少于4小时", "每周收听空中学堂短信党课", "加入小微课堂微信群, 每月交一篇心得", "春节返乡参加支部主题党日"]
SKILLS = ["设施农业", "电商运营", "农机维修", "枸杞修剪", "家政服务", "物流管理"]
EDUCATION_WAIT = 600      # seconds education may take to fold roster's events in (talks are opened from them)
SESSION_BRANCHES = 24     # village branches whose monthly activity day of the past year is on record
PARTICIPATION_FROM, PARTICIPATION_TO = 0.40, 0.85   # 参学率 a year ago and now (DOMAIN.md)
STUDY_RECORDS = 400       # away members' study on record
PUSHES = [  # (title, kind, channel, message): 空中学堂, 小微课堂, 网络讲堂
    ("新修订《中国共产党章程》学习", "course", "sms", "【空中学堂】新修订党章第一讲已上线, 请回复\"学\"收听"),
    ("冬春农闲时节外出务工安全须知", "text", "wechat_group", "【小微课堂】外出务工安全须知, 请在群内学习并接龙"),
    ("枸杞种植与电商销售", "video", "app", "【网络讲堂】枸杞种植与电商销售视频课, 党建App首页可看"),
]


def wait_until(what, condition, timeout=EDUCATION_WAIT):
    deadline = time.monotonic() + timeout
    while not (answer := condition()):
        if time.monotonic() > deadline:
            raise SystemExit(f"the platform did not {what} within {timeout} s")
        time.sleep(1)
    return answer


def education_year(gateway, rng, organisations, home_members, now):
    """The county's winter training (冬训), the talks the departures opened with some recorded as held,
    seasonal workers home and enrolled in the winter training by their return, its register and skills."""
    county, day = organisations["county"]["id"], now
    winter = gateway.send("POST", "/trainings", {
        "organisation_id": county, "kind": "winter", "title": f"{day.year}年度全县农村党员冬训",
        "starts_on": (day - timedelta(days=2)).isoformat(), "ends_on": (day + timedelta(days=88)).isoformat(),
        "capacity": 3000}, idempotency_key="seed-winter-training")

    # Talks: one per departure, opened by education from member_departed. The branches record some as held.
    wait_until("open a talk for every departure",
               lambda: gateway.send("GET", "/talks", per_page=1)["total"] >= AWAY)
    opened = [talk for page in range(1, TALKS_HELD // 100 + 1)
              for talk in gateway.send("GET", "/talks", page=page, per_page=100, state="open")["items"]]

    # The departures were all reported today (the county's records arriving at once), so the talks are held today.
    choices = [(rng.choice(TALK_METHODS), rng.choice(STUDY_PLANS), rng.choice(RHYTHMS)) for _ in opened]

    def record(n):
        method, plan, rhythm = choices[n]
        gateway.send("POST", f"/talks/{opened[n]['id']}/record", {
            "held_on": day.isoformat(), "held_by": "支部书记", "method": method, "study_plan": plan,
            "reporting_rhythm": rhythm}, idempotency_key=f"seed-talk-{n}")

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(record, range(len(opened))))

    # Seasonal workers: left three weeks ago, reported late, home today; their return enrols them in 冬训.
    seasonal = rng.sample(home_members, SEASONAL)

    def come_home(n):
        member = seasonal[n]
        gateway.send("POST", f"/members/{member['id']}/departures", {
            "departed_on": (day - timedelta(days=21)).isoformat(), "destination_province": "新疆维吾尔自治区",
            "destination_city": "昌吉回族自治州", "work": "棉花采摘", "contact": member["phone"]},
            idempotency_key=f"seed-seasonal-departure-{n}")
        gateway.send("POST", f"/members/{member['id']}/returns", {"returned_on": day.isoformat()},
                     idempotency_key=f"seed-seasonal-return-{n}")

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(come_home, range(SEASONAL)))
    enrolled = wait_until("enrol the seasonal workers in the winter training", lambda: (
        page := gateway.send("GET", f"/trainings/{winter['id']}/enrolments", per_page=100))["total"] >= SEASONAL
        and page["items"])
    register = []
    for n, topic in enumerate(["习近平新时代中国特色社会主义思想", "设施农业技术", "农村电商"]):
        session = gateway.send("POST", f"/trainings/{winter['id']}/sessions", {
            "held_on": (day - timedelta(days=2 - n)).isoformat(), "topic": topic}, idempotency_key=f"seed-session-{n}")
        statuses = rng.choices(["present", "late", "excused", "absent"], weights=[80, 8, 8, 4], k=len(enrolled))
        gateway.send("POST", f"/trainings/{winter['id']}/sessions/{session['id']}/attendance", {
            "items": [{"member_id": e["member_id"], "status": status} for e, status in zip(enrolled, statuses)]},
            idempotency_key=f"seed-attendance-{n}")
        register.append(session)
    for n, enrolment in enumerate(enrolled[:20]):
        gateway.send("POST", f"/trainings/{winter['id']}/skills", {
            "member_id": enrolment["member_id"], "skill": rng.choice(SKILLS), "acquired_on": day.isoformat()},
            idempotency_key=f"seed-skill-{n}")
    for n, enrolment in enumerate(enrolled[:5]):
        gateway.send("POST", "/technical-leaders", {
            "member_id": enrolment["member_id"], "field": SKILLS[n], "recognised_on": day.isoformat()},
            idempotency_key=f"seed-technical-leader-{n}")
    return {"talks held": len(opened), "enrolled in 冬训": len(enrolled), "sessions": len(register),
            "technical leaders": 5}


def study_year(gateway, rng, village_branches, registered, day):
    """The fixed activity day (主题党日) of SESSION_BRANCHES village branches in each of the last twelve months, online
    and offline at once, with registers whose participation rises from 40% to 85% over the year (the county's
    figure); and the away members' study on the app, or attested offline."""
    by_branch = {}
    for item in registered:
        by_branch.setdefault(item["member"]["organisation_id"], []).append(item["member"]["id"])
    def tenth_of(back):
        year, month = divmod(day.year * 12 + day.month - 1 - back, 12)
        return date(year, month + 1, 10)

    months = [month for month in (tenth_of(back) for back in range(12, -1, -1)) if month <= day][-12:]
    plan = [(n, branch, month, PARTICIPATION_FROM + (PARTICIPATION_TO - PARTICIPATION_FROM) * m / (len(months) - 1))
            for n, branch in enumerate(village_branches[:SESSION_BRANCHES]) for m, month in enumerate(months)]
    draws = [[rng.random() for _ in by_branch.get(branch, [])] for _n, branch, _month, _share in plan]

    def hold(k):
        n, branch, month, share = plan[k]
        session = gateway.send("POST", "/study-sessions", {
            "organisation_id": branch, "kind": "fixed_activity_day", "held_on": month.isoformat(), "mode": "both",
            "topic": "主题党日"}, idempotency_key=f"seed-study-session-{n}-{month.isoformat()}")
        register = [{"member_id": member, "status": "present" if draw < share else "absent"}
                    for member, draw in zip(by_branch.get(branch, []), draws[k])]
        if register:
            gateway.send("POST", f"/study-sessions/{session['id']}/attendance", {"items": register},
                         idempotency_key=f"seed-study-register-{n}-{month.isoformat()}")

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(hold, range(len(plan))))
    return {"study sessions": len(plan)}


def pushes(gateway, organisations, day):
    """The county's courses and materials, each pushed over a channel to the away members of every town."""
    county = organisations["county"]["id"]
    towns = [organisations[town]["id"] for town in TOWNS]
    sent = 0
    for n, (title, kind, channel, message) in enumerate(PUSHES):
        material = gateway.send("POST", "/materials", {
            "organisation_id": county, "title": title, "kind": kind, "published_on": day.isoformat()},
            idempotency_key=f"seed-material-{n}")

        def push(k, material=material, channel=channel, message=message, n=n):
            return gateway.send("POST", "/pushes", {"material_id": material["id"], "organisation_id": towns[k],
                                                    "channel": channel, "message": message},
                                idempotency_key=f"seed-push-{n}-{k}")["sent"]

        with ThreadPoolExecutor(2) as pool:
            sent += sum(pool.map(push, range(len(towns))))
    return {"pushes": len(PUSHES) * len(towns), "deliveries sent": sent}


def study_records(gateway, rng, away_members, day):
    picked = rng.sample(away_members, STUDY_RECORDS)
    records = []
    for n, member in enumerate(picked):
        studied_on = (day - timedelta(days=rng.randrange(0, 365))).isoformat()
        if rng.random() < 0.7:
            records.append({"member_id": member["id"], "studied_on": studied_on, "kind": "online",
                            "channel": rng.choice(["app", "wechat_group", "sms"]), "minutes": rng.randrange(15, 121)})
        else:
            kind, channel = rng.choice([("read_mailed_material", "mail"), ("phone_lesson", "phone_call"),
                                        ("home_delivery", "home_delivery")])
            records.append({"member_id": member["id"], "studied_on": studied_on, "kind": kind, "channel": channel,
                            "attested_by": "支部书记"})

    def send(n):
        gateway.send("POST", "/study-records", records[n], idempotency_key=f"seed-study-record-{n}")

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(send, range(len(records))))
    return {"study records": len(records)}


# ---- last year's points and grades (issue 10) ------------------------------------------------------
GRADE_SHARES = {"excellent": 15, "qualified": 76, "warned": 7, "unqualified": 2}   # assumed: DOMAIN.md has none
BANDS = {"excellent": (90, 100), "qualified": (70, 89), "warned": (60, 69), "unqualified": (48, 59)}
STARTING_SCORE = 60
LIMITS = (("organisational_life", 20, "参加组织生活"), ("duty", 10, "履行党员义务"), ("role", 10, "发挥作用"))
SCORING_WAIT = 600        # seconds scoring may take to fold roster's members in, and to grade the year


def paper_ledger(rng, members, year):
    """Each member's year as the branch's paper ledger has it: a grade drawn with GRADE_SHARES, a score
    within its band, and the entries that make it (categories filled in order, within their limits;
    below the starting score, a deduction for discipline)."""
    entries = []
    grades = rng.choices(list(GRADE_SHARES), weights=list(GRADE_SHARES.values()), k=len(members))
    for member, grade in zip(members, grades):
        gain = rng.randint(*BANDS[grade]) - STARTING_SCORE
        parts = []
        if gain < 0:
            life = rng.randint(0, 6)
            parts = [("organisational_life", life, "参加组织生活"), ("discipline", gain - life, "无故不参加组织生活, 经批评教育仍未改正")]
        else:
            for category, limit, words in LIMITS:
                points = min(limit, gain)
                gain -= points
                parts.append((category, points, words))
        for category, points, words in parts:
            while points:  # an entry is at most 20 points either way
                step = max(-20, min(20, points))
                entries.append({"member_id": member["id"], "category": category, "points": step,
                                "occurred_on": date(year, 12, 31).isoformat(),
                                "reason": f"{year}年度纸质积分台账: {words}"})
                points -= step
    return entries


def scoring_last_year(base_url, gateway, rng, registered, now):
    checker = Gateway(base_url, "LIUDONG_CHECKER_API_KEY")
    year = now.year - 1
    # Scoring keeps its own roll from roster's events: wait until it has every member.
    wait_until("project every member", lambda: gateway.send(
        "GET", "/grade-distribution", year=now.year)["total"]["members"] >= MEMBERS, timeout=SCORING_WAIT)
    entries = paper_ledger(rng, [item["member"] for item in registered], year)

    def enter(numbered):
        n, batch = numbered
        answer = gateway.send("POST", "/score-entries/batch", {"items": batch}, idempotency_key=f"seed-entries-{n}")
        refused = [item for item in answer["items"] if item["status"] != 201]
        if refused:
            raise SystemExit(f"{len(refused)} score entries refused, e.g. {refused[0]}")
        decisions = [{"entry_id": item["entry"]["id"], "decision": "approved", "note": "镇党委核对无误"}
                     for item in answer["items"]]
        checked = checker.send("POST", "/score-entries/decisions/batch", {"items": decisions},
                               idempotency_key=f"seed-decisions-{n}")
        if checked["refused"]:
            raise SystemExit(f"{checked['refused']} approvals refused, e.g. {checked['items'][0]}")
        return len(batch)

    with ThreadPoolExecutor(2) as pool:
        entered = sum(pool.map(enter, enumerate(batches(entries))))
    run = gateway.send("POST", "/grading-runs", {"year": year}, idempotency_key=f"seed-grading-{year}")
    wait_until(f"grade {year}", lambda: gateway.send("GET", f"/grading-runs/{run['id']}")["state"] == "completed",
               timeout=SCORING_WAIT)
    graded = gateway.send("GET", f"/grading-runs/{run['id']}")
    return {"score entries": entered, f"graded {year}": graded["graded"],
            **{grade: graded[grade] for grade in GRADE_SHARES}}


# ---- outreach (issue 11) ------------------------------------------------------------------------------
GRADE_RANK = {grade: rank for rank, grade in enumerate(GRADE_SHARES)}   # excellent first
OUTREACH_WAIT = 600       # seconds outreach may take to fold roster's members in, and to list a campaign
CONTACT_BATCH = 200       # contacts a request: a device syncing its log
# How often a branch keeps each of the four ones in a quarter (assumed: DOMAIN.md has no figures), so that the
# four-ones list has done, due (this quarter) and overdue (earlier quarters) items.
FOUR_ONES_KEPT = {"phone": 0.7, "text": 0.5, "mail": 0.35, "letter": 0.15}
CONTACT_SUMMARIES = {
    "phone": ["问了务工和家里的情况, 提醒按时参加网上组织生活", "了解工资发放情况, 告知讨薪求助渠道", "提醒春节返乡参加冬训"],
    "text": ["【支部】本月主题党日在党建App上线, 请及时学习", "【支部】天冷注意安全, 有困难请联系支部"],
    "mail": ["寄去《党章》学习读本和本季度学习资料", "寄去冬训学习资料和政策汇编"],
    "letter": ["给在外党员的一封信: 介绍村里发展变化", "支部书记写信问候, 附家乡产业规划"],
}
HELP_CASES = [  # (kind, care service, owner, what, solved, (money recovered, jobs found, disputes settled))
    ("unpaid_wages", "wages_and_rights", "瓜州县流动党员党支部\"工人之家\"", "工地拖欠工资", 10, (120_000, 0, 0)),
    ("jobs", "jobs_and_start_ups", "瓜州县流动党员党支部\"工人之家\"", "工程结束后需要新工作", 8, (0, 3, 0)),
    ("dispute", "legal_and_policy_advice", "瓜州县流动党员党支部\"工人之家\"", "与包工头的劳务纠纷", 6, (0, 0, 20)),
    ("schooling", "family_and_schooling", "城关镇流动党员服务站", "子女在务工地入学", 4, (0, 0, 0)),
    ("housing", "housing", "南华镇党委", "返乡后住房困难", 3, (0, 0, 0)),
    ("health", "health_and_medical_aid", "镇民政办", "家人重病, 申请医疗救助", 3, (0, 0, 0)),
    ("legal_aid", "legal_and_policy_advice", "县司法局法律援助中心", "工伤赔偿", 2, (0, 0, 0)),
]
HELP_CASE_SOLVED = 24     # DOMAIN.md: 24 problems solved in a year
VOLUNTEER_ACTIVITIES = ["义务植树", "关爱留守儿童", "敬老院送温暖", "防汛值守", "垃圾分类宣传", "农忙互助"]
RETURN_PROJECTS = [  # (name, industry, investment in yuan, jobs): DOMAIN.md: 5 projects, 500+ jobs
    ("高台县巷道镇设施蔬菜产业园", "设施农业", 6_800_000, 180), ("南华镇枸杞深加工厂", "农产品加工", 4_200_000, 126),
    ("骆驼城镇肉牛养殖合作社", "养殖", 2_600_000, 90), ("合黎镇农村电商服务中心", "电子商务", 900_000, 64),
    ("宣化镇劳务派遣公司", "劳务服务", 500_000, 52)]


def retry_until_known(what, send, timeout=OUTREACH_WAIT):
    """``send()`` again while outreach does not know a member yet (its projection follows roster's events)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return send()
        except SystemExit as refused:
            if "unknown_reference" not in str(refused) or time.monotonic() > deadline:
                raise
            time.sleep(1)


def outreach_year(gateway, rng, organisations, registered, away, now):
    """The past year's help and contact (帮扶联系) and the five projects' people work (dated back from today, so
    that a load on any day of the year has a whole year): every away member paired with a committee member of
    their branch (1+1 or 1+N) a year ago, a year of the four ones kept in part, help cases
    (24 solved), 16 volunteer activities, returnees' projects, a hometown visit, the reserve reviews the seasonal
    workers' returns opened decided, vanguard posts, cultivated candidates admitted, and the coming Spring Festival's
    care campaign (春节慰问) listed for the whole county."""
    away_ids = {member["id"] for member in away}
    by_branch = {}
    for item in registered:
        member = item["member"]
        side = "away" if member["id"] in away_ids else "home"
        by_branch.setdefault(member["organisation_id"], {"away": [], "home": []})[side].append(member)
    people = [item["member"] for item in registered]
    county = organisations["county"]["id"]

    pairings = pair_away_members(gateway, rng, by_branch, now)
    logged = sync_contacts(gateway, contacts_of_the_year(rng, pairings, now))
    cases = help_cases_of_the_year(gateway, rng, people, now)
    volunteering(gateway, rng, by_branch, now)
    settling_home(gateway, rng, people, county, now)
    reserve_and_vanguard(gateway, rng, people, now)
    cultivation(gateway, rng, by_branch, now)
    listed = spring_festival(gateway, county, now)
    figures = gateway.send("GET", "/outreach-figures", **{"from": a_year_before(now).isoformat()})
    return {"pairings": len(pairings), "contacts": logged, "help cases": len(cases),
            "spring festival visits": listed["visits_scheduled"],
            **{name: figures[name] for name in ("problems_solved", "jobs_found", "disputes_settled",
                                                 "wages_recovered", "visits_made", "volunteer_activities",
                                                 "projects", "project_jobs", "village_cadres", "reserve_cadres")}}


def pair_away_members(gateway, rng, by_branch, now):
    """In each branch the first home members are its committee (支委), each paired with up to six away members."""
    plans = []
    for branch, members in sorted(by_branch.items()):
        committee, remaining = members["home"][:3], list(members["away"])
        while remaining and committee:
            size = rng.choice((1, 1, 3, 4, 6))
            plans.append((branch, committee[len(plans) % len(committee)], remaining[:size]))
            remaining = remaining[size:]

    def pair(numbered):
        n, (branch, cadre, members) = numbered
        return retry_until_known("pair", lambda: gateway.send("POST", "/help-pairings", {
            "organisation_id": branch, "cadre_member_id": cadre["id"], "member_ids": [m["id"] for m in members],
            "period": "quarter", "starts_on": a_year_before(now).isoformat()}, idempotency_key=f"seed-pairing-{n}"))

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(pair, enumerate(plans)))


def quarters(start, end):
    """(first, last) day of each calendar quarter from ``start``'s to ``end``'s, clipped to the two."""
    first = date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
    while first <= end:
        following = date(first.year + first.month // 10, (first.month + 2) % 12 + 1, 1)
        yield max(first, start), min(following - timedelta(days=1), end)
        first = following


def a_year_before(now):
    return now - timedelta(days=364)


def contacts_of_the_year(rng, pairings, now):
    """Each quarter of the year to today, each of the four ones kept with its share of the members, on a day and
    hour of it."""
    contacts = []
    for pairing in pairings:
        for member_id in pairing["member_ids"]:
            for first, last in quarters(a_year_before(now), now):
                for channel, share in FOUR_ONES_KEPT.items():
                    if rng.random() < share:
                        day = first + timedelta(days=rng.randrange((last - first).days + 1))
                        moment = datetime(day.year, day.month, day.day, rng.randrange(8, 21), rng.randrange(60),
                                          tzinfo=COUNTY_TIMEZONE)
                        contacts.append({"member_id": member_id, "channel": channel, "occurred_at": moment.isoformat(),
                                         "contacted_by": "结对支委", "summary": rng.choice(CONTACT_SUMMARIES[channel]),
                                         "pairing_id": pairing["id"]})
    return contacts


def sync_contacts(gateway, contacts):
    def sync(numbered):
        n, batch = numbered
        answer = gateway.send("POST", "/contacts/batch", {"items": batch}, idempotency_key=f"seed-contacts-{n}")
        if answer["refused"]:
            raise SystemExit(f"{answer['refused']} contacts refused, e.g. {answer['items'][0]}")
        return len(batch)

    with ThreadPoolExecutor(2) as pool:
        return sum(pool.map(sync, enumerate(contacts[start:start + CONTACT_BATCH]
                                            for start in range(0, len(contacts), CONTACT_BATCH))))


def help_cases_of_the_year(gateway, rng, people, now):
    """From the "workers' home" at the destination and the towns at home: 24 solved, a couple of each kind open."""
    cases, solved = [], 0
    for kind, service, owner, what, number, (money, jobs, disputes) in HELP_CASES:
        for n in range(number + 2):
            opened_on = now - timedelta(days=rng.randrange(40, 364))
            case = gateway.send("POST", "/help-cases", {
                "member_id": rng.choice(people)["id"], "kind": kind, "care_service": service, "summary": what,
                "owner": owner, "opened_on": opened_on.isoformat(),
                "due_on": (opened_on + timedelta(days=30)).isoformat()}, idempotency_key=f"seed-case-{kind}-{n}")
            if n < number and solved < HELP_CASE_SOLVED:
                solved += 1
                gateway.send("POST", f"/help-cases/{case['id']}/notes", {
                    "noted_on": (opened_on + timedelta(days=3)).isoformat(), "note": "已联系相关部门, 跟进中"},
                    idempotency_key=f"seed-case-note-{kind}-{n}")
                gateway.send("POST", f"/help-cases/{case['id']}/closure", {
                    "closed_on": (opened_on + timedelta(days=rng.randrange(5, 35))).isoformat(), "outcome": "solved",
                    "note": "问题已解决", "money_recovered": money, "jobs_found": jobs, "disputes_settled": disputes},
                    idempotency_key=f"seed-case-closure-{kind}-{n}")
            cases.append(case)
    return cases


def volunteering(gateway, rng, by_branch, now):
    """16 activities (DOMAIN.md), each with a few members, most with a record in the national system."""
    for n in range(16):
        branch = rng.choice(sorted(by_branch))
        held_on = now - timedelta(days=rng.randrange(1, 364))
        activity = gateway.send("POST", "/volunteer-activities", {
            "organisation_id": branch, "title": rng.choice(VOLUNTEER_ACTIVITIES), "held_on": held_on.isoformat()},
            idempotency_key=f"seed-volunteering-{n}")
        for k, member in enumerate(rng.sample(by_branch[branch]["home"], min(8, len(by_branch[branch]["home"])))):
            gateway.send("POST", f"/volunteer-activities/{activity['id']}/services", {
                "member_id": member["id"], "hours": rng.choice((2, 3, 4, 6)),
                "national_record_ref": f"ZYFW-6207-{n:02d}{k:02d}" if rng.random() < 0.7 else None},
                idempotency_key=f"seed-volunteer-{n}-{k}")


def settling_home(gateway, rng, people, county, now):
    """安家工程: five returnees' projects, a hometown visit, a blueprint meeting."""
    founders = rng.sample(people, len(RETURN_PROJECTS))
    for n, ((name, industry, investment, jobs), founder) in enumerate(zip(RETURN_PROJECTS, founders)):
        gateway.send("POST", "/return-projects", {
            "member_id": founder["id"], "name": name, "industry": industry,
            "registered_on": (now - timedelta(days=60 * (n + 1))).isoformat(), "investment": investment,
            "jobs_created": jobs, "support": "创业贴息贷款, 返乡创业园场地"}, idempotency_key=f"seed-project-{n}")
    for kind, title, participants, days_ago in (("hometown_visit", "在外成功人士回乡看看", 24, 300),
                                               ("blueprint", "为家乡绘蓝图座谈会", 36, 298)):
        gateway.send("POST", "/hometown-events", {
            "organisation_id": county, "kind": kind, "title": title, "participants": participants,
            "held_on": (now - timedelta(days=days_ago)).isoformat()}, idempotency_key=f"seed-hometown-{kind}")


def reserve_and_vanguard(gateway, rng, people, now):
    """储备工程: the seasonal workers' returns opened reviews, which the committees decide, weighing the member's
    record (the best last grades first, the last twelve not now), and 18 of their homecoming visits made
    (DOMAIN.md); 先锋工程: 24 incoming members lead by example."""
    reviews = wait_until("open a reserve review for each seasonal worker's return", lambda: (
        page := gateway.send("GET", "/reserve-reviews", state="open", per_page=100))["total"] >= SEASONAL
        and page["items"], timeout=OUTREACH_WAIT)
    reviews = sorted(reviews, key=lambda review: (GRADE_RANK.get(review["last_grade"], len(GRADE_RANK)), review["id"]))
    decisions = ["village_cadre"] * 18 + ["reserve_cadre"] * 30 + ["not_now"] * (len(reviews) - 48)
    for n, (review, decision) in enumerate(zip(reviews, decisions)):
        gateway.send("POST", f"/reserve-reviews/{review['id']}/decision", {
            "decision": decision, "decided_on": now.isoformat(), "note": "返乡后表现突出, 群众认可"},
            idempotency_key=f"seed-reserve-{n}")
    for n, visit in enumerate(gateway.send("GET", "/visits", cause="homecoming", per_page=18)["items"]):
        gateway.send("POST", f"/visits/{visit['id']}/completion", {
            "visited_on": now.isoformat(), "visited_by": "村党支部书记", "summary": "欢迎返乡, 了解务工收入和来年打算"},
            idempotency_key=f"seed-visit-{n}")
    for n, member in enumerate(rng.sample(people, 24)):
        post = n < 14
        gateway.send("POST", "/vanguard", {
            "member_id": member["id"], "kind": "pioneer_post" if post else "party_business",
            "title": "党员示范岗" if post else "党员诚信经营户",
            "designated_on": (now - timedelta(days=280 - n)).isoformat()}, idempotency_key=f"seed-vanguard-{n}")


def cultivation(gateway, rng, by_branch, now):
    """培养工程: 12 admitted after inspection and public notice in both places, 3 still followed."""
    for n in range(15):
        identified = a_year_before(now) + timedelta(days=n)
        candidate = gateway.send("POST", "/cultivation-candidates", {
            "organisation_id": rng.choice(sorted(by_branch)), "candidate_ref": f"GT-RD-{now.year}-{n + 1:03d}",
            "host": "瓜州县流动党员党支部", "identified_on": identified.isoformat()}, idempotency_key=f"seed-candidate-{n}")
        steps = ["home_inspection", "host_inspection", "home_notice", "host_notice"] + (["admitted"] if n < 12 else [])
        for k, step in enumerate(steps):
            gateway.send("POST", f"/cultivation-candidates/{candidate['id']}/steps", {
                "step": step, "on": (identified + timedelta(days=40 * (k + 1))).isoformat()},
                idempotency_key=f"seed-candidate-{n}-{step}")


def spring_festival(gateway, county, now):
    """The coming Spring Festival's care campaign for the whole county, listed by outreach in the background."""
    campaign = gateway.send("POST", "/care-campaigns", {
        "name": f"{now.year + 1}年春节走访慰问", "occasion": "spring_festival", "organisation_id": county,
        "starts_on": date(now.year + 1, 1, 20).isoformat(), "ends_on": date(now.year + 1, 2, 20).isoformat(),
        "groups": ["away_families", "returned_members", "hardship"]}, idempotency_key="seed-spring-festival")
    return wait_until("list the Spring Festival campaign", lambda: (
        got := gateway.send("GET", f"/care-campaigns/{campaign['id']}"))["state"] == "listed" and got,
        timeout=OUTREACH_WAIT)


def seed(base_url, seed_value=2021):
    started = time.monotonic()
    gateway = Gateway(base_url)
    if gateway.send("GET", "/organisations", kind="party_committee", per_page=1)["total"]:
        on_roll = gateway.send("GET", "/members", per_page=1)["total"]
        note = "" if on_roll >= MEMBERS else " (partly: remove var/ and start again for the whole county)"
        print(f"demo county already loaded{note}: {on_roll} members")
        return
    rng = random.Random(seed_value)
    now = today()
    plan, village_keys = organisation_plan()
    organisations = create_organisations(gateway, plan)
    pair_towns(gateway, organisations)
    took = {"organisations": time.monotonic() - started}
    village_branches = [organisations[key]["id"] for key in village_keys]
    registered = send_batches(gateway, "/members/batch", "members", people(rng, village_branches))
    took["members"] = time.monotonic() - started - sum(took.values())
    away = rng.sample([item["member"] for item in registered], AWAY)
    reports = [{
        "member_id": member["id"], "departed_on": day.isoformat(), "destination_province": province,
        "destination_city": city, "work": rng.choice(WORK), "contact": member["phone"],
        "expected_return_on": (now + timedelta(days=rng.randrange(20, 300))).isoformat() if rng.random() < 0.6 else None,
    } for member, (province, city, day) in zip(away, departures(rng, now))]
    send_batches(gateway, "/members/departures/batch", "departures", reports)
    took["departures"] = time.monotonic() - started - sum(took.values())
    away_ids = {member["id"] for member in away}
    home = [item["member"] for item in registered if item["member"]["id"] not in away_ids]
    education = education_year(gateway, rng, organisations, home, now)
    education.update(study_year(gateway, rng, village_branches, registered, now))
    education.update(study_records(gateway, rng, away, now))
    education.update(pushes(gateway, organisations, now))
    took["education"] = time.monotonic() - started - sum(took.values())
    education.update(scoring_last_year(base_url, gateway, rng, registered, now))
    took["scoring"] = time.monotonic() - started - sum(took.values())
    education.update(outreach_year(gateway, rng, organisations, registered, away, now))
    took["outreach"] = time.monotonic() - started - sum(took.values())
    print(f"demo county loaded in {time.monotonic() - started:.0f} s ({gateway.requests} requests; "
          + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in took.items()) + "): "
          f"{len(organisations)} organisations, {len(registered)} members, {len(reports)} of them away; "
          + ", ".join(f"{name} {count}" for name, count in education.items()))


if __name__ == "__main__":
    seed(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")

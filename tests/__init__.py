"""The platform's tests.

They run on the county's calendar: the services date everything by the county's day
(``services.common.clock.Clock``, Asia/Shanghai unless configured), so a test's
``date.today()`` must be that day too, not UTC's, or every test that records
something "today" fails from 16:00 UTC on, when the county is already in tomorrow.
"""
import os
import time

os.environ["TZ"] = os.environ.get("LIUDONG_COUNTY_TIMEZONE") or "Asia/Shanghai"
time.tzset()

"""A tiny service for the stop tests (``test_service_stop.py``), run by
``python -m services.common.run``: ``slow(seconds)`` holds a unit of work of
the kernel's ``Database`` open for that long, so a test can have a call in
flight when it sends SIGTERM. Not part of the platform."""
import logging

import eventlet
from sqlalchemy import Column, Integer, Table, func, insert, select

from services.common.db import Database
from services.common.rpc import rpc
from services.common.tables import inbox_table, new_metadata, outbox_table

log = logging.getLogger(__name__)

metadata = new_metadata()
outbox_table(metadata)
inbox_table(metadata)
calls = Table("calls", metadata, Column("id", Integer, primary_key=True), Column("seconds", Integer, nullable=False))


class StopProbe:
    name = "stop_probe"

    db = Database(metadata)

    @rpc
    def slow(self, seconds):
        # A read holds the unit of work (and on SQLite no write lock) while it sleeps.
        self.db.session.execute(select(func.count()).select_from(calls))
        log.info("slow(%s) started", seconds)
        eventlet.sleep(seconds)
        self.db.session.execute(insert(calls).values(seconds=seconds))  # committed by @rpc on return
        log.info("slow(%s) finished", seconds)
        return seconds

"""Talks (行前提醒谈话): use cases. Filled in below."""


def open_for_departure(db, absence, clock, config):
    pass

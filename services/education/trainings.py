"""Trainings (归乡教育, 冬训, 轮训): use cases. Filled in below."""


def enrol_returned_member(db, absence, clock):
    pass

"""scoring: the kernel's tables, the projections of roster, the rule set (with the county's first
version, in force from 2015-01-01), the ledger, manual entries, grading runs, grades and follow-ups

Revision ID: 0001
Revises:
"""
from datetime import date

import sqlalchemy as sa
from alembic import op

from services.common.tables import create_kernel_tables
from services.scoring.domain.defaults import DEFAULT_DOCUMENT, DEFAULT_EFFECTIVE_FROM

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The first version's id, the same in every database, so that lines credited under it say so alike.
DEFAULT_RULE_SET_ID = "00000000-0000-4000-8000-000000002015"


def upgrade() -> None:
    create_kernel_tables(op)
    op.create_table('absences',
    sa.Column('departure_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('departed_on', sa.Date(), nullable=True),
    sa.Column('check_in_event_id', sa.String(length=36), nullable=True),
    sa.Column('checked_in_on', sa.Date(), nullable=True),
    sa.Column('check_in_organisation_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('departure_id', name=op.f('pk_absences'))
    )
    op.create_index(op.f('ix_absences_member_id'), 'absences', ['member_id'], unique=False)
    op.create_table('follow_ups',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('rectify_by', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('year', 'member_id', 'kind', name=op.f('uq_follow_ups_year'))
    )
    op.create_index(op.f('ix_follow_ups_member_id'), 'follow_ups', ['member_id'], unique=False)
    op.create_index(op.f('ix_follow_ups_organisation_id'), 'follow_ups', ['organisation_id'], unique=False)
    op.create_table('grades',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('score', sa.Numeric(precision=7, scale=1), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('year', 'member_id', name=op.f('pk_grades'))
    )
    op.create_index(op.f('ix_grades_organisation_id'), 'grades', ['organisation_id'], unique=False)
    op.create_table('grading_runs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rule_set_id', sa.String(length=36), nullable=True),
    sa.Column('graded', sa.Integer(), nullable=True),
    sa.Column('excellent', sa.Integer(), nullable=True),
    sa.Column('qualified', sa.Integer(), nullable=True),
    sa.Column('warned', sa.Integer(), nullable=True),
    sa.Column('unqualified', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grading_runs')),
    sa.UniqueConstraint('year', name=op.f('uq_grading_runs_year'))
    )
    op.create_table('ledger_lines',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('rule', sa.String(length=50), nullable=False),
    sa.Column('points', sa.Numeric(precision=7, scale=1), nullable=False),
    sa.Column('rule_points', sa.Numeric(precision=7, scale=1), nullable=False),
    sa.Column('capped_by', sa.String(length=20), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_event_id', sa.String(length=36), nullable=False),
    sa.Column('source_event_type', sa.String(length=50), nullable=False),
    sa.Column('rule_set_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('credited_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_lines')),
    sa.UniqueConstraint('source_event_id', 'rule', name=op.f('uq_ledger_lines_source_event_id'))
    )
    op.create_index(op.f('ix_ledger_lines_organisation_id'), 'ledger_lines', ['organisation_id'], unique=False)
    op.create_index('ix_ledger_lines_year_member_id', 'ledger_lines', ['year', 'member_id'], unique=False)
    op.create_table('members',
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('status_effective_on', sa.Date(), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_members'))
    )
    op.create_index(op.f('ix_members_organisation_id'), 'members', ['organisation_id'], unique=False)
    op.create_table('rule_sets',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('published_by', sa.String(length=100), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_sets')),
    sa.UniqueConstraint('effective_from', name=op.f('uq_rule_sets_effective_from'))
    )
    op.create_table('score_entries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('points', sa.Numeric(precision=7, scale=1), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('corrects_line_id', sa.String(length=36), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('submitted_by', sa.String(length=100), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('line_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_entries'))
    )
    op.create_index(op.f('ix_score_entries_member_id'), 'score_entries', ['member_id'], unique=False)
    op.create_index(op.f('ix_score_entries_organisation_id'), 'score_entries', ['organisation_id'], unique=False)
    rule_sets = sa.table("rule_sets", sa.column("id", sa.String), sa.column("effective_from", sa.Date),
                         sa.column("document", sa.JSON), sa.column("note", sa.Text), sa.column("published_by", sa.String))
    op.bulk_insert(rule_sets, [{
        "id": DEFAULT_RULE_SET_ID, "effective_from": date.fromisoformat(DEFAULT_EFFECTIVE_FROM),
        "document": DEFAULT_DOCUMENT, "note": "the county's first rule set", "published_by": "migration:0001",
    }])


def downgrade() -> None:
    op.drop_table("score_entries")
    op.drop_table("rule_sets")
    op.drop_table("members")
    op.drop_table("ledger_lines")
    op.drop_table("grading_runs")
    op.drop_table("grades")
    op.drop_table("follow_ups")
    op.drop_table("absences")

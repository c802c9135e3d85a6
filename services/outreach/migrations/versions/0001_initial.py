"""outreach: the kernel's tables, the projections of roster and scoring, pairings, the contact log,
campaigns and visits, help cases and their timelines, volunteering, returnees' projects and hometown
events, reserve reviews, vanguard designations and cultivation

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from services.common.tables import create_kernel_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_kernel_tables(op)
    op.create_table('campaigns',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('occasion', sa.String(length=20), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    op.create_index(op.f('ix_campaigns_organisation_id'), 'campaigns', ['organisation_id'], unique=False)
    op.create_table('candidates',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('candidate_ref', sa.String(length=64), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False),
    sa.Column('identified_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('admitted_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidates')),
    sa.UniqueConstraint('candidate_ref', name=op.f('uq_candidates_candidate_ref'))
    )
    op.create_index(op.f('ix_candidates_organisation_id'), 'candidates', ['organisation_id'], unique=False)
    op.create_table('contacts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('four_one', sa.String(length=20), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('contacted_by', sa.String(length=100), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('follow_up_needed', sa.Boolean(), nullable=False),
    sa.Column('follow_up', sa.Text(), nullable=True),
    sa.Column('pairing_id', sa.String(length=36), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.String(length=36), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('member_id', 'channel', 'occurred_at', name=op.f('uq_contacts_member_id'))
    )
    op.create_index('ix_contacts_member_id_occurred_at', 'contacts', ['member_id', 'occurred_at'], unique=False)
    op.create_index(op.f('ix_contacts_organisation_id'), 'contacts', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_contacts_pairing_id'), 'contacts', ['pairing_id'], unique=False)
    op.create_table('cultivation_steps',
    sa.Column('candidate_id', sa.String(length=36), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('candidate_id', 'step', name=op.f('pk_cultivation_steps'))
    )
    op.create_table('grades',
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('member_id', 'year', name=op.f('pk_grades'))
    )
    op.create_table('help_case_entries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('help_case_id', sa.String(length=36), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_case_entries')),
    sa.UniqueConstraint('help_case_id', 'sequence', name=op.f('uq_help_case_entries_help_case_id'))
    )
    op.create_index(op.f('ix_help_case_entries_help_case_id'), 'help_case_entries', ['help_case_id'], unique=False)
    op.create_table('help_cases',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('care_service', sa.String(length=40), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('money_recovered', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('jobs_found', sa.Integer(), nullable=False),
    sa.Column('disputes_settled', sa.Integer(), nullable=False),
    sa.Column('opened_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_cases'))
    )
    op.create_index(op.f('ix_help_cases_member_id'), 'help_cases', ['member_id'], unique=False)
    op.create_index(op.f('ix_help_cases_organisation_id'), 'help_cases', ['organisation_id'], unique=False)
    op.create_table('homecomings',
    sa.Column('departure_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('departed_on', sa.Date(), nullable=True),
    sa.Column('returned_on', sa.Date(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('departure_id', name=op.f('pk_homecomings'))
    )
    op.create_index(op.f('ix_homecomings_member_id'), 'homecomings', ['member_id'], unique=False)
    op.create_table('hometown_events',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('member_ids', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hometown_events'))
    )
    op.create_index(op.f('ix_hometown_events_organisation_id'), 'hometown_events', ['organisation_id'], unique=False)
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
    op.create_table('paired_members',
    sa.Column('pairing_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('pairing_id', 'member_id', name=op.f('pk_paired_members'))
    )
    op.create_index(op.f('ix_paired_members_member_id'), 'paired_members', ['member_id'], unique=False)
    op.create_table('pairings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('cadre_member_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairings'))
    )
    op.create_index(op.f('ix_pairings_cadre_member_id'), 'pairings', ['cadre_member_id'], unique=False)
    op.create_index(op.f('ix_pairings_organisation_id'), 'pairings', ['organisation_id'], unique=False)
    op.create_table('projects',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('industry', sa.String(length=100), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('investment', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('jobs_created', sa.Integer(), nullable=False),
    sa.Column('support', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects'))
    )
    op.create_index(op.f('ix_projects_member_id'), 'projects', ['member_id'], unique=False)
    op.create_index(op.f('ix_projects_organisation_id'), 'projects', ['organisation_id'], unique=False)
    op.create_table('reserve_reviews',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('cause', sa.String(length=20), nullable=False),
    sa.Column('cause_id', sa.String(length=36), nullable=False),
    sa.Column('returned_on', sa.Date(), nullable=True),
    sa.Column('months_away', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reserve_reviews')),
    sa.UniqueConstraint('cause_id', name=op.f('uq_reserve_reviews_cause_id'))
    )
    op.create_index(op.f('ix_reserve_reviews_member_id'), 'reserve_reviews', ['member_id'], unique=False)
    op.create_index(op.f('ix_reserve_reviews_organisation_id'), 'reserve_reviews', ['organisation_id'], unique=False)
    op.create_table('vanguard',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('designated_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vanguard'))
    )
    op.create_index(op.f('ix_vanguard_member_id'), 'vanguard', ['member_id'], unique=False)
    op.create_index(op.f('ix_vanguard_organisation_id'), 'vanguard', ['organisation_id'], unique=False)
    op.create_table('visits',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('cause', sa.String(length=20), nullable=False),
    sa.Column('cause_id', sa.String(length=36), nullable=False),
    sa.Column('cause_event_id', sa.String(length=36), nullable=True),
    sa.Column('campaign_id', sa.String(length=36), nullable=True),
    sa.Column('group', sa.String(length=20), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('scheduled_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=True),
    sa.Column('visited_by', sa.String(length=100), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    sa.UniqueConstraint('cause', 'cause_id', 'member_id', name=op.f('uq_visits_cause'))
    )
    op.create_index(op.f('ix_visits_campaign_id'), 'visits', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_visits_member_id'), 'visits', ['member_id'], unique=False)
    op.create_index(op.f('ix_visits_organisation_id'), 'visits', ['organisation_id'], unique=False)
    op.create_table('volunteer_activities',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_activities'))
    )
    op.create_index(op.f('ix_volunteer_activities_organisation_id'), 'volunteer_activities', ['organisation_id'], unique=False)
    op.create_table('volunteer_services',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('activity_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('served_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('national_record_ref', sa.String(length=64), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_services')),
    sa.UniqueConstraint('activity_id', 'member_id', name=op.f('uq_volunteer_services_activity_id'))
    )
    op.create_index(op.f('ix_volunteer_services_member_id'), 'volunteer_services', ['member_id'], unique=False)
    op.create_index(op.f('ix_volunteer_services_organisation_id'), 'volunteer_services', ['organisation_id'], unique=False)


def downgrade() -> None:
    op.drop_table("volunteer_services")
    op.drop_table("volunteer_activities")
    op.drop_table("visits")
    op.drop_table("vanguard")
    op.drop_table("reserve_reviews")
    op.drop_table("projects")
    op.drop_table("pairings")
    op.drop_table("paired_members")
    op.drop_table("members")
    op.drop_table("hometown_events")
    op.drop_table("homecomings")
    op.drop_table("help_cases")
    op.drop_table("help_case_entries")
    op.drop_table("grades")
    op.drop_table("cultivation_steps")
    op.drop_table("contacts")
    op.drop_table("candidates")
    op.drop_table("campaigns")

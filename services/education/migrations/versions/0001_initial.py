"""education: the kernel's tables, the projections of roster and the three phases' records

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
    op.create_table('absences',
    sa.Column('departure_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('departed_on', sa.Date(), nullable=True),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('returned_on', sa.Date(), nullable=True),
    sa.Column('host_organisation_id', sa.String(length=36), nullable=True),
    sa.Column('checked_in_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('departure_id', name=op.f('pk_absences'))
    )
    op.create_index(op.f('ix_absences_member_id'), 'absences', ['member_id'], unique=False)
    op.create_table('channel_log',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('delivery_id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('address', sa.String(length=100), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('logged_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_log'))
    )
    op.create_index(op.f('ix_channel_log_delivery_id'), 'channel_log', ['delivery_id'], unique=False)
    op.create_table('enrolment_waits',
    sa.Column('departure_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('returned_on', sa.Date(), nullable=False),
    sa.Column('enrolment_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('departure_id', name=op.f('pk_enrolment_waits'))
    )
    op.create_index(op.f('ix_enrolment_waits_member_id'), 'enrolment_waits', ['member_id'], unique=False)
    op.create_table('materials',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_materials'))
    )
    op.create_index(op.f('ix_materials_organisation_id'), 'materials', ['organisation_id'], unique=False)
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
    op.create_table('placements',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('from_date', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_placements'))
    )
    op.create_index(op.f('ix_placements_member_id'), 'placements', ['member_id'], unique=False)
    op.create_table('skills',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('training_id', sa.String(length=36), nullable=True),
    sa.Column('skill', sa.String(length=100), nullable=False),
    sa.Column('acquired_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills'))
    )
    op.create_index(op.f('ix_skills_member_id'), 'skills', ['member_id'], unique=False)
    op.create_index(op.f('ix_skills_organisation_id'), 'skills', ['organisation_id'], unique=False)
    op.create_table('study_records',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('studied_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('material_id', sa.String(length=36), nullable=True),
    sa.Column('attested_by', sa.String(length=100), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_records'))
    )
    op.create_index(op.f('ix_study_records_member_id'), 'study_records', ['member_id'], unique=False)
    op.create_index(op.f('ix_study_records_organisation_id'), 'study_records', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_study_records_studied_on'), 'study_records', ['studied_on'], unique=False)
    op.create_table('study_sessions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_sessions'))
    )
    op.create_index(op.f('ix_study_sessions_held_on'), 'study_sessions', ['held_on'], unique=False)
    op.create_index(op.f('ix_study_sessions_organisation_id'), 'study_sessions', ['organisation_id'], unique=False)
    op.create_table('talks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('departure_id', sa.String(length=36), nullable=False),
    sa.Column('departed_on', sa.Date(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('late_report', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('held_by', sa.String(length=100), nullable=True),
    sa.Column('method', sa.String(length=30), nullable=True),
    sa.Column('study_plan', sa.Text(), nullable=True),
    sa.Column('reporting_rhythm', sa.String(length=20), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talks')),
    sa.UniqueConstraint('departure_id', name=op.f('uq_talks_departure_id'))
    )
    op.create_index(op.f('ix_talks_member_id'), 'talks', ['member_id'], unique=False)
    op.create_index(op.f('ix_talks_organisation_id'), 'talks', ['organisation_id'], unique=False)
    op.create_table('technical_leaders',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('field', sa.String(length=100), nullable=False),
    sa.Column('recognised_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technical_leaders')),
    sa.UniqueConstraint('member_id', 'field', name=op.f('uq_technical_leaders_member_id'))
    )
    op.create_index(op.f('ix_technical_leaders_member_id'), 'technical_leaders', ['member_id'], unique=False)
    op.create_index(op.f('ix_technical_leaders_organisation_id'), 'technical_leaders', ['organisation_id'], unique=False)
    op.create_table('trainings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trainings'))
    )
    op.create_index(op.f('ix_trainings_organisation_id'), 'trainings', ['organisation_id'], unique=False)
    op.create_table('enrolments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('training_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('cause', sa.String(length=30), nullable=False),
    sa.Column('departure_id', sa.String(length=36), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['training_id'], ['trainings.id'], name=op.f('fk_enrolments_training_id_trainings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
    sa.UniqueConstraint('training_id', 'member_id', name=op.f('uq_enrolments_training_id'))
    )
    op.create_index(op.f('ix_enrolments_member_id'), 'enrolments', ['member_id'], unique=False)
    op.create_index(op.f('ix_enrolments_training_id'), 'enrolments', ['training_id'], unique=False)
    op.create_table('pushes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('material_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('audience', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('pushed_on', sa.Date(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('pushed_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['material_id'], ['materials.id'], name=op.f('fk_pushes_material_id_materials')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pushes'))
    )
    op.create_index(op.f('ix_pushes_material_id'), 'pushes', ['material_id'], unique=False)
    op.create_index(op.f('ix_pushes_organisation_id'), 'pushes', ['organisation_id'], unique=False)
    op.create_table('session_attendance',
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['study_sessions.id'], name=op.f('fk_session_attendance_session_id_study_sessions')),
    sa.PrimaryKeyConstraint('session_id', 'member_id', name=op.f('pk_session_attendance'))
    )
    op.create_index('ix_session_attendance_member_id', 'session_attendance', ['member_id'], unique=False)
    op.create_table('training_sessions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('training_id', sa.String(length=36), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['training_id'], ['trainings.id'], name=op.f('fk_training_sessions_training_id_trainings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions'))
    )
    op.create_index(op.f('ix_training_sessions_training_id'), 'training_sessions', ['training_id'], unique=False)
    op.create_table('deliveries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('push_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['push_id'], ['pushes.id'], name=op.f('fk_deliveries_push_id_pushes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('push_id', 'member_id', name=op.f('uq_deliveries_push_id'))
    )
    op.create_index(op.f('ix_deliveries_member_id'), 'deliveries', ['member_id'], unique=False)
    op.create_index(op.f('ix_deliveries_organisation_id'), 'deliveries', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_deliveries_push_id'), 'deliveries', ['push_id'], unique=False)
    op.create_table('training_attendance',
    sa.Column('training_session_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('training_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['training_session_id'], ['training_sessions.id'], name=op.f('fk_training_attendance_training_session_id_training_sessions')),
    sa.PrimaryKeyConstraint('training_session_id', 'member_id', name=op.f('pk_training_attendance'))
    )
    op.create_index(op.f('ix_training_attendance_training_id'), 'training_attendance', ['training_id'], unique=False)


def downgrade() -> None:
    op.drop_table("training_attendance")
    op.drop_table("deliveries")
    op.drop_table("training_sessions")
    op.drop_table("session_attendance")
    op.drop_table("pushes")
    op.drop_table("enrolments")
    op.drop_table("trainings")
    op.drop_table("technical_leaders")
    op.drop_table("talks")
    op.drop_table("study_sessions")
    op.drop_table("study_records")
    op.drop_table("skills")
    op.drop_table("placements")
    op.drop_table("members")
    op.drop_table("materials")
    op.drop_table("enrolment_waits")
    op.drop_table("channel_log")
    op.drop_table("absences")

"""The baseline of read_member: a plain Flask + SQLAlchemy app that reads one
row by primary key from PostgreSQL and answers it as JSON.

No authentication, audit, RPC, encryption or masking: what is left is the cost
of HTTP in gunicorn, Flask routing, an ORM read by primary key and JSON, which
the platform's read cannot go below. Served by gunicorn with the gateway's
worker and thread settings (``baseline_gunicorn.conf.py``)::

    BENCH_BASELINE_DATABASE_URL=postgresql://... gunicorn -c benchmarks/baseline_gunicorn.conf.py \\
        'benchmarks.baseline_app:create_app()'
"""
import os
import uuid
from datetime import date, datetime, timezone

from flask import Flask, abort, jsonify
from sqlalchemy import Date, DateTime, String, Text, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from benchmarks.common import member_identity


class Base(DeclarativeBase):
    pass


class Member(Base):
    """The columns of roster's ``members`` (personal data here in plain text)."""

    __tablename__ = "members"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[str] = mapped_column(String(10))
    birth_date: Mapped[date] = mapped_column(Date)
    id_number: Mapped[str] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(Text)
    joined_on: Mapped[date] = mapped_column(Date)
    membership: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def as_dict(self):
        return {
            "id": self.id, "name": self.name, "gender": self.gender, "birth_date": self.birth_date.isoformat(),
            "id_number": self.id_number, "phone": self.phone, "joined_on": self.joined_on.isoformat(),
            "membership": self.membership, "organisation_id": self.organisation_id, "status": self.status,
            "registered_at": self.registered_at.isoformat(),
        }


def create_app(database_url=None):
    engine = create_engine(database_url or os.environ["BENCH_BASELINE_DATABASE_URL"], pool_pre_ping=True)
    app = Flask(__name__)

    @app.get("/members/<member_id>")
    def get_member(member_id):
        with Session(engine) as session:
            member = session.get(Member, member_id)
            if member is None:
                abort(404)
            return jsonify(member.as_dict())

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


def seed(database_url, count, organisation_id=None):
    """Create the table with ``count`` members; answers their ids."""
    engine = create_engine(database_url)
    try:
        Base.metadata.create_all(engine)
        organisation_id = organisation_id or str(uuid.uuid4())
        ids = [str(uuid.uuid4()) for _ in range(count)]
        with Session(engine) as session, session.begin():
            session.add_all(
                Member(id=member_id, name="马永福", gender="male", birth_date=member_identity(n)[0],
                       id_number=member_identity(n)[1], phone=f"1390000{n:04d}", joined_on=date(2004, 7, 1),
                       membership="full", organisation_id=organisation_id, status="normal",
                       registered_at=datetime.now(timezone.utc))
                for n, member_id in enumerate(ids, start=1)
            )
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE members")
        return ids
    finally:
        engine.dispose()

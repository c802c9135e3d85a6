"""An outbox relay that dies between the broker's confirm and marking the row sent (issue 12's first window).

    python -m tests.chaos.relay_dies_after_confirm DATABASE_URL AMQP_URI EVENT_TYPE

It is roster's own relay (services.common.outbox) over roster's outbox. It publishes the unsent rows in order as
the relay does, and once the broker has confirmed the first row of EVENT_TYPE, the process sends itself SIGKILL:
the row stays unsent, as after a crash at that instant, and the next relay publishes it again.
"""
import os
import signal
import sys

from persistence.engine import make_engine
from services.common.outbox import OutboxRelay
from services.roster.models import outbox


class DiesAfterConfirm(OutboxRelay):
    def __init__(self, engine, amqp_uri, event_type):
        super().__init__(engine, outbox, amqp_uri)
        self.event_type = event_type

    def _publish(self, row):
        super()._publish(row)  # returns once the broker has confirmed the message
        if row.event_type == self.event_type:
            print(f"confirmed {row.event_id}; dying before it is marked sent", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    database_url, amqp_uri, event_type = sys.argv[1:4]
    DiesAfterConfirm(make_engine(database_url), amqp_uri, event_type).relay_batch()
    sys.exit("no unsent row of that type")

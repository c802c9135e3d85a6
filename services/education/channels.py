"""The channels study material reaches away members by: 空中学堂 (SMS), 小微课堂 (a WeChat
group), 网络讲堂 (the Party-building app and public account), phone lessons, mailed material
and study delivered at home on holidays.

Each channel is an adapter behind one interface, :class:`Channel`: ``send`` takes one
delivery and answers whether it went (``Sent``) or why not (``Failed``). The default
adapter of every channel, :class:`DeliveryLog`, writes what it would send into
``channel_log``, which the county reads (``GET /pushes/{id}/deliveries``), with the address
masked. A real provider is one class: subclass ``Channel``, and name it in the service's
config, ``CHANNEL_ADAPTERS: {sms: my_county.sms:ProviderSms}``; it is built with the
channel's name and the config.

A channel that needs a phone number (``needs_phone``) gets it from roster at send time
(``member_contact_for_delivery``), under education's own identity; it is handed to the
adapter and never stored.
"""
import importlib
from dataclasses import dataclass

from contracts.access import mask_phone
from contracts.education import CHANNELS, PHONE_CHANNELS
from services.common.clock import new_id
from services.education.models import channel_log

# Where a channel without a phone number sends, as the log shows it.
ADDRESSES = {"wechat_group": "小微课堂微信群", "app": "党建App / 公众号", "mail": "邮寄至家庭住址",
             "home_delivery": "节假日送学上门"}


@dataclass(frozen=True)
class Delivery:
    id: str
    member_id: str
    message: str
    phone: str | None = None  # for a phone channel only, asked of roster a moment ago


@dataclass(frozen=True)
class Sent:
    status = "sent"
    reason = None


@dataclass(frozen=True)
class Failed:
    reason: str
    status = "failed"


class Channel:
    """One way of reaching members. ``send`` must not raise for a delivery that cannot go: it answers
    ``Failed(reason)``, and the delivery is kept with that status."""

    def __init__(self, name, config=None):
        self.name = name
        self.config = config or {}

    @property
    def needs_phone(self):
        return self.name in PHONE_CHANNELS

    def send(self, db, delivery, now):
        raise NotImplementedError


class DeliveryLog(Channel):
    """The default adapter: the delivery is written to ``channel_log`` for the county to read."""

    def send(self, db, delivery, now):
        if self.needs_phone and not delivery.phone:
            return Failed("no phone number on the roll")
        address = mask_phone(delivery.phone) if self.needs_phone else ADDRESSES[self.name]
        db.session.execute(channel_log.insert().values(
            id=new_id(), delivery_id=delivery.id, channel=self.name, member_id=delivery.member_id, address=address,
            message=delivery.message, logged_at=now))
        return Sent()


def adapter(name, config):
    """The configured adapter of channel ``name`` (``CHANNEL_ADAPTERS``), by default :class:`DeliveryLog`."""
    if name not in CHANNELS:
        raise LookupError(f"no channel {name!r}")
    configured = (config.get("CHANNEL_ADAPTERS") or {}).get(name)
    if not configured:
        return DeliveryLog(name, config)
    module, _, attribute = configured.partition(":")
    return getattr(importlib.import_module(module), attribute)(name, config)

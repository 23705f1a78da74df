"""Text messages (短信) to mobile numbers: one small interface, a backend chosen by settings.SMS_BACKEND.

SMS templates must be registered with the provider in advance, so every message the portal sends is one of the
short fixed templates in TEMPLATES, filled with named variables (the providers' own format: ${code} for Alibaba
Cloud, numbered {1} for Tencent Cloud, both derived from the same variable list here).

Backends: ConsoleBackend writes the message to the log (development), LocmemBackend keeps it in `outbox` (tests).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsTemplate:
    key: str
    text: str  # the registered wording, with {name} for each variable, in the order of `variables`
    variables: tuple[str, ...]


TEMPLATES: dict[str, SmsTemplate] = {
    t.key: t for t in (SmsTemplate("code", "您的验证码为{code}，5分钟内有效。如非本人操作，请忽略本短信。", ("code",)),)
}


@dataclass
class SmsMessage:
    phone: str
    template: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return TEMPLATES[self.template].text.format(**self.params)


class ConsoleBackend:
    """Development: the message is logged (and printed by runserver's console), nothing is sent."""

    def send(self, message: SmsMessage) -> str:
        log.warning("SMS to %s: %s", message.phone, message.text)
        print(f"[短信] {message.phone}: {message.text}", flush=True)  # noqa: T201 - the console backend's purpose
        return "console"


outbox: list[SmsMessage] = []


class LocmemBackend:
    """Tests: messages are kept in portal.sms.outbox, newest last."""

    def send(self, message: SmsMessage) -> str:
        outbox.append(message)
        return f"locmem-{len(outbox)}"


def backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, phone: str, template: str, params: dict[str, str]) -> str:
    """Send one templated message; returns the provider's message id. Raises on a failed send."""
    if template not in TEMPLATES:
        raise KeyError(template)
    return backend().send(SmsMessage(phone=phone, template=template, params=dict(params)))

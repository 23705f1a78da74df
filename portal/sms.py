"""Text messages (短信) to mobile numbers: one small interface, a backend chosen by settings.SMS_BACKEND.

SMS templates must be registered with the provider in advance, so every message the portal sends is one of the
short fixed templates in TEMPLATES, filled with named variables (the providers' own format: ${code} for Alibaba
Cloud, numbered {1} for Tencent Cloud, both derived from the same variable list here).

Backends: ConsoleBackend writes the message to the log (development), LocmemBackend keeps it in `outbox` (tests),
AliyunBackend and TencentBackend send through the providers' official SDKs (alibabacloud_dysmsapi20170525,
tencentcloud-sdk-python-sms), each to a configurable endpoint (SMS_ENDPOINT, SMS_PROTOCOL). Credentials and the
provider's id of each registered template come from settings (SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET, SMS_SIGN_NAME,
SMS_TEMPLATE_IDS "code=SMS_123,supplement=SMS_124,…", Tencent also SMS_APP_ID and SMS_REGION).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsTemplate:
    key: str
    text: str  # the registered wording, with {name} for each variable, in the order of `variables`
    variables: tuple[str, ...]

    def aliyun_text(self) -> str:
        """The wording to register with Alibaba Cloud: variables as ${name}."""
        return re.sub(r"\{(\w+)\}", r"${\1}", self.text)

    def tencent_text(self) -> str:
        """The wording to register with Tencent Cloud: variables numbered {1}, {2}… in the order of `variables`."""
        return re.sub(r"\{(\w+)\}", lambda m: f"{{{self.variables.index(m.group(1)) + 1}}}", self.text)


TEMPLATES: dict[str, SmsTemplate] = {
    t.key: t
    for t in (
        SmsTemplate("code", "您的验证码为{code}，5分钟内有效。如非本人操作，请忽略本短信。", ("code",)),
        SmsTemplate("supplement", "您申请的{item}需要补正材料，请登录社区证明服务平台查看。", ("item",)),
        SmsTemplate("signed", "您申请的{item}已签字登记，编号{number}，待加盖印章后出具。", ("item", "number")),
        # {place}: the committee's own name, so a village's resident is sent to the village (issue 9)
        SmsTemplate("issued", "您申请的{item}已出具，请登录平台下载或到{place}领取。", ("item", "place")),
        SmsTemplate("refused", "您申请的{item}不予出具，原因请登录社区证明服务平台查看。", ("item",)),
        SmsTemplate(
            "appointed",
            "您已被任命为{place}{role}，{date}起任职。请用本手机号登录社区证明服务平台。",
            ("place", "role", "date"),
        ),
    )
}
# Providers cap each variable's length (Alibaba Cloud 35 characters, stricter for some Tencent Cloud accounts).
VARIABLE_MAX = 20


class SmsError(Exception):
    """A send the provider refused or that could not reach it; the message says why (for the delivery record)."""


@dataclass
class SmsMessage:
    phone: str
    template: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return TEMPLATES[self.template].text.format(**self.params)

    @property
    def ordered_params(self) -> list[str]:
        return [self.params[name] for name in TEMPLATES[self.template].variables]


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


def template_ids() -> dict[str, str]:
    """settings.SMS_TEMPLATE_IDS "code=SMS_1,supplement=SMS_2" as a dict (the ids the provider gave each template)."""
    pairs = [item.split("=", 1) for item in settings.SMS_TEMPLATE_IDS.split(",") if "=" in item]
    return {key.strip(): value.strip() for key, value in pairs}


def _template_id(message: SmsMessage) -> str:
    template_id = template_ids().get(message.template)
    if not template_id:
        raise SmsError(f"no provider template id for {message.template!r} in SMS_TEMPLATE_IDS")
    return template_id


class AliyunBackend:
    """Alibaba Cloud SMS (短信服务 Dysmsapi 2017-05-25, SendSms) through its official SDK, signed ACS3-HMAC-SHA256."""

    def __init__(self) -> None:
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as openapi_models

        config = openapi_models.Config(
            access_key_id=settings.SMS_ACCESS_KEY_ID,
            access_key_secret=settings.SMS_ACCESS_KEY_SECRET,
            endpoint=settings.SMS_ENDPOINT or "dysmsapi.aliyuncs.com",
            protocol=settings.SMS_PROTOCOL,
            connect_timeout=5000,
            read_timeout=10000,
        )
        self.client = Client(config)

    def send(self, message: SmsMessage) -> str:
        from alibabacloud_dysmsapi20170525 import models
        from alibabacloud_tea_util import models as util_models

        request = models.SendSmsRequest(
            phone_numbers=message.phone,
            sign_name=settings.SMS_SIGN_NAME,
            template_code=_template_id(message),
            template_param=json.dumps(message.params, ensure_ascii=False),
        )
        try:
            response = self.client.send_sms_with_options(request, util_models.RuntimeOptions(autoretry=False))
        except Exception as error:  # the SDK raises its own TeaException, or network errors
            raise SmsError(f"aliyun: {error}") from error
        body = response.body
        if body is None or body.code != "OK":
            raise SmsError(f"aliyun: {getattr(body, 'code', '?')} {getattr(body, 'message', '')}")
        return body.biz_id or body.request_id or ""


class TencentBackend:
    """Tencent Cloud SMS (SendSms 2021-01-11) through its official SDK, signed TC3-HMAC-SHA256."""

    def __init__(self) -> None:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile(
            protocol=settings.SMS_PROTOCOL,
            endpoint=settings.SMS_ENDPOINT or "sms.tencentcloudapi.com",
            reqTimeout=10,
        )
        self.client = sms_client.SmsClient(
            credential.Credential(settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET),
            settings.SMS_REGION,
            ClientProfile(httpProfile=http),
        )

    def send(self, message: SmsMessage) -> str:
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{message.phone}"]
        request.SmsSdkAppId = settings.SMS_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = _template_id(message)
        request.TemplateParamSet = message.ordered_params
        try:
            response = self.client.SendSms(request)
        except Exception as error:  # TencentCloudSDKException, or network errors
            raise SmsError(f"tencent: {error}") from error
        statuses = response.SendStatusSet or []
        if not statuses or statuses[0].Code != "Ok":
            status = statuses[0] if statuses else None
            raise SmsError(f"tencent: {getattr(status, 'Code', '?')} {getattr(status, 'Message', '')}")
        return statuses[0].SerialNo or response.RequestId or ""


def backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, phone: str, template: str, params: dict[str, str]) -> str:
    """Send one templated message; returns the provider's message id. Raises SmsError on a failed send."""
    spec = TEMPLATES[template]
    values = {name: str(params[name])[:VARIABLE_MAX] for name in spec.variables}
    return backend().send(SmsMessage(phone=phone, template=template, params=values))

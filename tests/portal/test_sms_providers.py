"""The SMS adapters drive the providers' official SDKs against a local HTTP server that records each call: the call is
signed (the signature is recomputed here with the provider's documented algorithm and the test's secret) and carries
the registered template and its parameters. No test reaches the internet: the endpoint is 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from portal import sms

KEY_ID, SECRET = "test-key-id", "test-secret-不外传"
ALIYUN_OK = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}
TENCENT_OK = {
    "Response": {
        "SendStatusSet": [
            {"SerialNo": "5000:1045710669", "PhoneNumber": "+8613800000001", "Fee": 1, "Code": "Ok", "Message": "ok"}
        ],
        "RequestId": "a0aabda6",
    }
}


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str], bytes]] = []
        self.answer: dict = {}


@pytest.fixture
def provider(settings, monkeypatch):
    """A local stand-in for the provider's endpoint; settings point the SMS backend at it."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server interface
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            recorder.calls.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            data = json.dumps(recorder.answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_ENDPOINT = f"127.0.0.1:{server.server_address[1]}"
    settings.SMS_PROTOCOL = "http"
    settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET = KEY_ID, SECRET
    settings.SMS_SIGN_NAME = "社区证明"
    settings.SMS_TEMPLATE_IDS = "code=SMS_100001,signed=1234567"
    settings.SMS_APP_ID, settings.SMS_REGION = "1400000001", "ap-guangzhou"
    yield recorder
    server.shutdown()
    server.server_close()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def aliyun_signature(path: str, headers: dict[str, str], secret: str) -> str:
    """ACS3-HMAC-SHA256 as Alibaba Cloud documents it (V3 request signature)."""
    signed = headers["authorization"].split("SignedHeaders=")[1].split(",")[0]
    url = urlsplit(path)
    encode = lambda text: quote(text, safe="-_.~")  # noqa: E731 - RFC 3986, as the documentation says
    query = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(parse_qsl(url.query, keep_blank_values=True)))
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed.split(";"))
    canonical = f"POST\n{url.path}\n{query}\n{canonical_headers}\n{signed}\n{headers['x-acs-content-sha256']}"
    to_sign = "ACS3-HMAC-SHA256\n" + sha256_hex(canonical.encode())
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def tencent_signature(headers: dict[str, str], body: bytes, secret: str) -> str:
    """TC3-HMAC-SHA256 as Tencent Cloud documents it (签名方法 v3)."""
    timestamp = int(headers["x-tc-timestamp"])
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical = (
        f"POST\n/\n\ncontent-type:{headers['content-type']}\nhost:{headers['host']}\n\ncontent-type;host\n"
        f"{sha256_hex(body)}"
    )
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n{sha256_hex(canonical.encode())}"

    def step(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    key = step(step(step(("TC3" + secret).encode(), date), "sms"), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_aliyun_sends_a_signed_call_with_the_template_and_its_parameters(provider, settings):
    settings.SMS_BACKEND = "portal.sms.AliyunBackend"
    provider.answer = ALIYUN_OK
    message_id = sms.send_sms(phone="13800000001", template="code", params={"code": "246810"})
    assert message_id == ALIYUN_OK["BizId"]
    ((path, headers, _body),) = provider.calls
    query = dict(parse_qsl(urlsplit(path).query))
    assert headers["x-acs-action"] == "SendSms" and headers["x-acs-version"] == "2017-05-25"
    assert query["PhoneNumbers"] == "13800000001" and query["SignName"] == "社区证明"
    assert query["TemplateCode"] == "SMS_100001"
    assert json.loads(query["TemplateParam"]) == {"code": "246810"}
    assert headers["authorization"].startswith(f"ACS3-HMAC-SHA256 Credential={KEY_ID},")
    expected = aliyun_signature(path, headers, SECRET)
    assert headers["authorization"].endswith(f"Signature={expected}")
    assert not headers["authorization"].endswith(f"Signature={aliyun_signature(path, headers, 'other-secret')}")


def test_tencent_sends_a_signed_call_with_the_template_and_its_numbered_parameters(provider, settings):
    settings.SMS_BACKEND = "portal.sms.TencentBackend"
    provider.answer = TENCENT_OK
    params = {"item": "亲属关系证明（仅限公证）超长的名称会被截短到二十个字", "number": "雁证〔2026〕12号"}
    message_id = sms.send_sms(phone="13800000001", template="signed", params=params)
    assert message_id == "5000:1045710669"
    ((_path, headers, body),) = provider.calls
    sent = json.loads(body)
    assert headers["x-tc-action"] == "SendSms" and headers["x-tc-version"] == "2021-01-11"
    assert sent["PhoneNumberSet"] == ["+8613800000001"] and sent["SmsSdkAppId"] == "1400000001"
    assert sent["TemplateId"] == "1234567" and sent["SignName"] == "社区证明"
    # Tencent's parameters are positional, in the order of the registered template's {1}, {2}
    assert sent["TemplateParamSet"] == [params["item"][: sms.VARIABLE_MAX], "雁证〔2026〕12号"]
    assert headers["authorization"].startswith(f"TC3-HMAC-SHA256 Credential={KEY_ID}/")
    assert headers["authorization"].endswith(f"Signature={tencent_signature(headers, body, SECRET)}")


@pytest.mark.parametrize(
    ("backend", "answer"),
    [
        ("portal.sms.AliyunBackend", {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控", "RequestId": "x"}),
        (
            "portal.sms.TencentBackend",
            {"Response": {"SendStatusSet": [{"Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "limit"}]}},
        ),
    ],
)
def test_a_refused_send_raises_with_the_providers_reason(provider, settings, backend, answer):
    settings.SMS_BACKEND = backend
    provider.answer = answer
    with pytest.raises(sms.SmsError, match="Limit|LIMIT"):
        sms.send_sms(phone="13800000001", template="code", params={"code": "246810"})


def test_a_template_without_a_registered_id_is_not_sent(provider, settings):
    settings.SMS_BACKEND = "portal.sms.AliyunBackend"
    with pytest.raises(sms.SmsError, match="issued"):
        sms.send_sms(phone="13800000001", template="issued", params={"item": "x", "place": "育才路社区居民委员会"})
    assert provider.calls == []


def test_each_template_is_short_and_has_the_providers_variable_format():
    for template in sms.TEMPLATES.values():
        assert len(template.text) <= 70  # one SMS segment of Chinese text, signature aside
        assert "${" in template.aliyun_text() and "{1}" in template.tencent_text()

"""Every response carries a request id, and every log line written while handling it names the same id."""

import io
import json
import logging

from pythonjsonlogger.json import JsonFormatter

from portal.request_id import RequestIdFilter


def test_each_response_gets_its_own_id(client, db):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]


def test_a_proxys_id_is_kept_and_a_hostile_one_replaced(client, db):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="nginx-0123456789ab")["X-Request-ID"] == "nginx-0123456789ab"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")["X-Request-ID"]
    assert len(replaced) == 32 and "\n" not in replaced


def test_log_lines_are_json_with_the_request_id(client, db, settings):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/no-such-page/")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["request_id"] == response["X-Request-ID"]
    assert line["levelname"] == "WARNING" and "no-such-page" in line["message"]

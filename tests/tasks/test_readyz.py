"""/readyz checks the task queue when a broker is configured, and names it (degraded, still ready) when Redis cannot be reached."""


def test_without_a_broker_readyz_does_not_ask_for_a_queue(client, db):
    assert "queue" not in client.get("/readyz").json()["checks"]


def test_readyz_checks_the_queue_when_a_broker_is_configured(client, db, queue):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["checks"]["queue"]["ok"] is True


def test_readyz_names_an_unreachable_queue_but_stays_in_the_balancer(client, db, broker_down):
    # The portal serves without the queue (notifications wait as pending rows): a Redis outage must not take every
    # app server out of the balancer, so readiness holds and the part is named as degraded.
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    checks = response.json()["checks"]
    assert checks["queue"] == {"ok": False, "error": "OperationalError"}
    assert checks["database"]["ok"] and checks["storage"]["ok"]

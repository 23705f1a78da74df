"""Anomaly alerts (异常预警): each rule against a hand-made fixture with a known answer, the county's thresholds, the
once-only creation, and the acknowledgement.

Evaluated as of Wednesday 2026-06-17: the week is 06-15 (Mon) … 06-21 (W25); the month is June 2026. 06-19 (Fri) is the
Dragon Boat Festival holiday and 06-20 (Sat) a rest day under the State Council's schedule.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import IssuableItem
from certificates import anomalies, tasks
from certificates.models import Alert, AlertAcknowledgement, AlertRule, AlertSetting
from certificates.services import RequestInvalid
from certificates.workflow import WorkflowError
from portal.demo import demo_id_number
from portal.models import BindingStatus, ResidenceBinding, User
from portal.permanent import PermanentRecordError
from seals.models import DocumentKind, Seal, SealUse, SealUseRequest
from tests.factories import make_request

AS_OF = dt.date(2026, 6, 17)
MONDAY = dt.date(2026, 6, 15)


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _alerts(rule: str) -> list[Alert]:
    return list(Alert.objects.filter(rule=rule).order_by("subject_key"))


def _staff():
    """Whoever entered the fixture's requests (the personas' community staff)."""
    return User.objects.get(username="staff_x")


def _accepted(community, item, day: dt.date, n: int, **extra) -> None:
    for i in range(n):
        make_request(
            created_by=_staff(),
            community=community,
            item=item,
            status="submitted",
            accepted_on=day,
            applicant_id_number=demo_id_number("610113", dt.date(1980, 1, 1), 100 + i),
            **extra,
        )


@pytest.fixture
def kin(db):
    return IssuableItem.objects.get(code="610113-ZM01")


@pytest.fixture
def other_item(db):
    return IssuableItem.objects.get(code="610113-ZM06")


# --- item spike -----------------------------------------------------------------------------------------------------


@pytest.fixture
def spike_world(personas, kin, other_item):
    """X, ZM01: 10 this week, 2 a week in each of the 4 weeks before (average 2) → 10 > 3 × 2 and ≥ 10: alert.
    X, ZM06: 10 this week, 10 a week before (average 10) → no alert. Y, ZM01: 9 this week, none before → fewer than
    the minimum 10: no alert (未央区's default)."""
    x, y = personas.community_x, personas.community_y
    _accepted(x, kin, MONDAY, 6)
    _accepted(x, kin, MONDAY + dt.timedelta(days=1), 4)
    for back in range(1, 5):
        _accepted(x, kin, MONDAY - dt.timedelta(weeks=back), 2)
        _accepted(x, other_item, MONDAY - dt.timedelta(weeks=back), 10)
    _accepted(x, other_item, MONDAY, 10)
    _accepted(y, kin, MONDAY, 9)
    # a draft is never counted
    make_request(community=x, item=kin, status="draft", accepted_on=MONDAY, created_by=_staff())
    return personas


def test_a_spike_of_one_item_in_one_community_is_alerted(spike_world, kin):
    created = anomalies.evaluate(as_of=AS_OF, rules=(AlertRule.ITEM_SPIKE,))
    assert created == {AlertRule.ITEM_SPIKE: 1}
    [alert] = _alerts(AlertRule.ITEM_SPIKE)
    assert alert.community == spike_world.community_x
    assert alert.county == spike_world.yanta
    assert alert.period == "2026-W25"
    assert alert.subject_key == f"{spike_world.community_x.code}:item{kin.pk}"
    assert alert.figures["count"] == 10 and alert.figures["baseline"] == 2


def test_the_spike_threshold_is_the_countys_own(spike_world):
    anomalies.threshold_set(
        county=spike_world.weiyang,
        rule=AlertRule.ITEM_SPIKE,
        values={"factor": 3, "weeks": 4, "minimum": 9},
        note="未央区件数少，降低最低件数",
        actor=spike_world.other_county_officer,
    )
    anomalies.evaluate(as_of=AS_OF, rules=(AlertRule.ITEM_SPIKE,))
    assert {a.community.code for a in _alerts(AlertRule.ITEM_SPIKE)} == {
        spike_world.community_x.code,
        spike_world.community_y.code,
    }


# --- seal uses outside working hours --------------------------------------------------------------------------------


def _seal_use(community, personas, at: dt.datetime, title: str) -> SealUse:
    seal = Seal.objects.filter(community=community).first() or Seal.objects.create(
        community=community, name="公章", keeper=personas.keeper, is_specimen=True
    )
    use_request = SealUseRequest.objects.create(
        community=community, seal=seal, document_title=title, reason="通知", requested_by=personas.director
    )
    with mock.patch("django.utils.timezone.now", return_value=at):
        return SealUse.objects.create(
            seal=seal,
            document_kind=DocumentKind.OTHER,
            document_title=title,
            use_request=use_request,
            approved_by=personas.director,
            applied_by=personas.keeper,
        )


@pytest.fixture
def seal_world(personas):
    """X this week: Tue 10:00 (in hours), Tue 19:30 (after hours), Fri 10:00 (Dragon Boat holiday), Sat 10:00 (rest
    day): 3 outside. Y: Mon 09:00 only, inside."""
    x = personas.community_x
    _seal_use(x, personas, _at(MONDAY + dt.timedelta(days=1), 10), "会议纪要")
    _seal_use(x, personas, _at(MONDAY + dt.timedelta(days=1), 19, 30), "夜间文件")
    _seal_use(x, personas, _at(dt.date(2026, 6, 19), 10), "节日文件")
    _seal_use(x, personas, _at(dt.date(2026, 6, 20), 10), "周六文件")
    _seal_use(personas.community_y, personas, _at(MONDAY, 9), "周一文件")
    return personas


def test_seal_uses_outside_working_hours_are_alerted(seal_world):
    anomalies.evaluate(as_of=AS_OF, rules=(AlertRule.SEAL_OFF_HOURS,))
    [alert] = _alerts(AlertRule.SEAL_OFF_HOURS)
    assert alert.community == seal_world.community_x
    assert alert.figures["count"] == 3
    assert [r["title"] for r in alert.figures["refs"]] == ["夜间文件", "节日文件", "周六文件"]


def test_the_countys_working_hours_and_minimum_apply(seal_world):
    anomalies.threshold_set(
        county=seal_world.yanta,
        rule=AlertRule.SEAL_OFF_HOURS,
        values={"start_hour": 8, "end_hour": 20, "minimum": 3},
        note="夏季延时服务至20时",
        actor=seal_world.county_officer,
    )
    # 19:30 is now within hours: 2 outside, fewer than 3
    anomalies.evaluate(as_of=AS_OF, rules=(AlertRule.SEAL_OFF_HOURS,))
    assert _alerts(AlertRule.SEAL_OFF_HOURS) == []


# --- many certificates for one person or one household --------------------------------------------------------------


def _signed(community, item, day: dt.date, *, id_number: str, name: str = "张三", address: str = "", **extra):
    return make_request(
        created_by=_staff(),
        community=community,
        item=item,
        status="signed",
        accepted_on=day,
        signed_at=_at(day, 15),
        applicant_id_number=id_number,
        applicant_name=name,
        field_values={"address": address} if address else {},
        **extra,
    )


@pytest.fixture
def many_world(personas, kin):
    """June: resident A's ID number signed 6 times (> 5: alert), resident B's 5 times (not more than 5). One household
    written three ways, 9 certificates for 9 different people (> 8: alert); one certificate in May not counted."""
    x = personas.community_x
    for i in range(6):
        _signed(x, kin, dt.date(2026, 6, 1 + i), id_number=personas.resident_a.id_number, name="王小明")
    for i in range(5):
        _signed(x, kin, dt.date(2026, 6, 1 + i), id_number=personas.resident_b.id_number, name="李小红")
    spellings = ["小寨路1号3栋201室", "陕西省西安市雁塔区小寨路1号3幢201", "小寨路１号三号楼 201室"]
    for i in range(9):
        person = demo_id_number("610113", dt.date(1990, 1, 1), 200 + i)
        _signed(x, kin, dt.date(2026, 6, 2), id_number=person, address=spellings[i % 3])
    _signed(x, kin, dt.date(2026, 5, 20), id_number=personas.resident_b.id_number, name="李小红")
    return personas


def test_many_certificates_for_one_person_or_household_are_alerted(many_world):
    anomalies.evaluate(as_of=AS_OF, rules=(AlertRule.MANY_CERTIFICATES,))
    alerts = _alerts(AlertRule.MANY_CERTIFICATES)
    assert [(a.subject_key.split(":")[0], a.figures["count"]) for a in alerts] == [("household", 9), ("person", 6)]
    person = next(a for a in alerts if a.subject_key.startswith("person:"))
    assert person.subject_label.startswith("王小明（") and many_world.resident_a.id_number not in person.subject_label
    assert all(a.county == many_world.yanta and a.period == "2026-06" for a in alerts)


def test_addresses_compare_in_one_spelling():
    places = ("小寨路街道", "小寨路", "雁塔区", "陕西省", "西安市", "陕西", "雁塔", "西安")
    keys = {
        anomalies.normalize_address(text, places)
        for text in ["小寨路1号3栋201室", "陕西省西安市雁塔区小寨路1号3幢201", "小寨路１号三号楼 201室"]
    }
    assert keys == {"1号3号楼201"}
    assert anomalies.normalize_address("小寨路1号4栋201室", places) != "1号3号楼201"


# --- signer's own household -----------------------------------------------------------------------------------------


@pytest.fixture
def household_world(personas, kin):
    """The director lives at 小寨路1号3栋201室 (confirmed binding). June: the director signed for an applicant at the
    same address written differently, and for themself; and for a neighbour at 4栋 (not the same household)."""
    x, director = personas.community_x, personas.director
    ResidenceBinding.objects.create(
        resident=director, community=x, address="小寨路1号3栋201室", status=BindingStatus.CONFIRMED
    )
    same = demo_id_number("610113", dt.date(1960, 1, 1), 300)
    _signed(x, kin, dt.date(2026, 6, 3), id_number=same, address="雁塔区小寨路1号3幢201", signed_by=director)
    _signed(x, kin, dt.date(2026, 6, 4), id_number=director.id_number, signed_by=director)
    neighbour = demo_id_number("610113", dt.date(1960, 1, 1), 301)
    _signed(x, kin, dt.date(2026, 6, 5), id_number=neighbour, address="小寨路1号4栋201室", signed_by=director)
    return personas


def test_signatures_for_the_signers_own_household_are_alerted(household_world):
    anomalies.evaluate(as_of=AS_OF, rules=(AlertRule.OWN_HOUSEHOLD,))
    [alert] = _alerts(AlertRule.OWN_HOUSEHOLD)
    assert alert.community == household_world.community_x
    assert alert.figures["count"] == 2
    assert alert.subject_key == f"signer:{household_world.community_x.code}:{household_world.director.pk}"


def test_own_household_minimum_is_the_countys(household_world):
    anomalies.threshold_set(
        county=household_world.yanta,
        rule=AlertRule.OWN_HOUSEHOLD,
        values={"minimum": 3},
        note="试行",
        actor=household_world.county_officer,
    )
    anomalies.evaluate(as_of=AS_OF, rules=(AlertRule.OWN_HOUSEHOLD,))
    assert _alerts(AlertRule.OWN_HOUSEHOLD) == []


# --- exceptional path above the county's norm -----------------------------------------------------------------------


@pytest.fixture
def exceptional_world(personas, kin):
    """June: X accepted 10, 3 of them exceptional (30% > 10%, ≥ 3: alert). Y accepted 20, 2 exceptional (10%, not
    above, and fewer than 3)."""
    x, y = personas.community_x, personas.community_y
    _accepted(x, kin, dt.date(2026, 6, 2), 7)
    _accepted(x, None, dt.date(2026, 6, 3), 3, exceptional=True, exceptional_name="养犬情况证明")
    _accepted(y, kin, dt.date(2026, 6, 2), 18)
    _accepted(y, None, dt.date(2026, 6, 3), 2, exceptional=True, exceptional_name="养犬情况证明")
    return personas


def test_exceptional_path_above_the_countys_norm_is_alerted(exceptional_world):
    anomalies.evaluate(as_of=AS_OF, rules=(AlertRule.EXCEPTIONAL_SHARE,))
    [alert] = _alerts(AlertRule.EXCEPTIONAL_SHARE)
    assert alert.community == exceptional_world.community_x
    assert (alert.figures["count"], alert.figures["total"], alert.figures["share"]) == (3, 10, 30.0)


def test_a_county_that_sets_a_higher_norm_gets_no_alert(exceptional_world):
    anomalies.threshold_set(
        county=exceptional_world.yanta,
        rule=AlertRule.EXCEPTIONAL_SHARE,
        values={"norm_percent": 40, "minimum": 3},
        note="城中村改造期间清单外事项较多",
        actor=exceptional_world.county_officer,
    )
    anomalies.evaluate(as_of=AS_OF, rules=(AlertRule.EXCEPTIONAL_SHARE,))
    assert _alerts(AlertRule.EXCEPTIONAL_SHARE) == []


# --- once only, thresholds versioned, acknowledgement ---------------------------------------------------------------


def test_evaluating_again_creates_nothing_twice(spike_world):
    assert anomalies.evaluate(as_of=AS_OF)[AlertRule.ITEM_SPIKE] == 1
    assert sum(anomalies.evaluate(as_of=AS_OF).values()) == 0
    call_command("evaluate_alerts", "--as-of", AS_OF.isoformat())
    assert sum(tasks.evaluate_alerts.delay(AS_OF.isoformat()).get().values()) == 0  # the daily task, run again
    assert Alert.objects.count() == 1
    first = Alert.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            county=first.county,
            rule=first.rule,
            subject_key=first.subject_key,
            subject_label="x",
            period=first.period,
            period_start=first.period_start,
            period_end=first.period_end,
        )


def test_thresholds_are_versioned_and_only_the_county_sets_them(personas):
    rule = AlertRule.MANY_CERTIFICATES
    assert anomalies.thresholds(personas.yanta, rule) == {"per_person": 5, "per_household": 8}
    for per_person in (6, 7):
        anomalies.threshold_set(
            county=personas.yanta,
            rule=rule,
            values={"per_person": per_person, "per_household": 8},
            note=f"调整为{per_person}",
            actor=personas.county_officer,
        )
    assert anomalies.thresholds(personas.yanta, rule)["per_person"] == 7
    assert AlertSetting.objects.filter(county=personas.yanta, rule=rule).count() == 2
    for outsider in (personas.other_county_officer, personas.street_officer, personas.provincial_officer):
        with pytest.raises(WorkflowError):
            anomalies.threshold_set(
                county=personas.yanta, rule=rule, values={"per_person": 1, "per_household": 1}, note="x", actor=outsider
            )
    with pytest.raises(RequestInvalid) as invalid:
        anomalies.threshold_set(
            county=personas.yanta,
            rule=rule,
            values={"per_person": 0, "per_household": 8},
            note="",
            actor=personas.county_officer,
        )
    assert set(invalid.value.errors) == {"per_person", "note"}


def test_the_county_acknowledges_an_alert_once_and_it_stays(spike_world):
    anomalies.evaluate(as_of=AS_OF)
    alert = Alert.objects.get()
    for outsider in (spike_world.street_officer, spike_world.other_county_officer, spike_world.provincial_officer):
        with pytest.raises(WorkflowError):
            anomalies.alert_acknowledge(alert_id=alert.pk, actor=outsider, note="看过")
    with pytest.raises(RequestInvalid):
        anomalies.alert_acknowledge(alert_id=alert.pk, actor=spike_world.county_officer, note=" ")
    ack = anomalies.alert_acknowledge(alert_id=alert.pk, actor=spike_world.county_officer, note="系社区集中办理公证")
    assert AlertAcknowledgement.objects.get(alert=alert) == ack
    with pytest.raises(WorkflowError):
        anomalies.alert_acknowledge(alert_id=alert.pk, actor=spike_world.county_officer, note="再次")
    with pytest.raises(PermanentRecordError):
        AlertAcknowledgement.objects.filter(pk=ack.pk).update(note="改")
    with pytest.raises(PermanentRecordError):
        alert.delete()
    assert anomalies.open_count(spike_world.yanta) == 0


# --- through the pages ----------------------------------------------------------------------------------------------


def test_the_county_sees_acknowledges_and_tunes_on_its_pages(client, spike_world):
    from django.urls import reverse

    anomalies.evaluate(as_of=AS_OF)
    alert = Alert.objects.get()
    yanta = spike_world.yanta.code
    client.force_login(spike_world.street_officer)
    street_list = client.get(reverse("desk:alerts", args=["610113001000"])).content.decode()
    assert alert.subject_label in street_list
    assert client.post(reverse("desk:alert", args=[alert.pk]), {"note": "看过"}).status_code == 403
    client.force_login(spike_world.county_officer)
    area = client.get(reverse("desk:oversight_area", args=[yanta])).content.decode()
    assert "异常预警：待确认" in area and reverse("desk:alerts", args=[yanta]) in area
    refused = client.post(reverse("desk:alert", args=[alert.pk]), {"note": ""})
    assert refused.status_code == 200 and not AlertAcknowledgement.objects.exists()
    assert client.post(reverse("desk:alert", args=[alert.pk]), {"note": "系集中办理"}).status_code == 302
    assert AlertAcknowledgement.objects.get(alert=alert).note == "系集中办理"
    assert alert.subject_label not in client.get(reverse("desk:alerts", args=[yanta])).content.decode()
    assert alert.subject_label in client.get(reverse("desk:alerts", args=[yanta]) + "?state=done").content.decode()
    rules = reverse("desk:alert_rules", args=[yanta])
    bad = client.post(rules, {"rule": "item_spike", "factor": "0", "weeks": "4", "minimum": "x", "note": "试"})
    assert bad.status_code == 400 and 'value="x"' in bad.content.decode()
    good = client.post(rules, {"rule": "item_spike", "factor": "4", "weeks": "4", "minimum": "12", "note": "试行"})
    assert good.status_code == 302
    assert anomalies.thresholds(spike_world.yanta, "item_spike") == {"factor": 4, "weeks": 4, "minimum": 12}
    client.force_login(spike_world.provincial_officer)
    assert client.post(rules, {"rule": "item_spike", "factor": "5", "note": "x"}).status_code == 403

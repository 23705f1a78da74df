"""Anomaly alerts (异常预警): rules that look for patterns a county should look into, each with thresholds the
county sets (defaults here; AlertSetting rows, latest in force, earlier ones its history).

Rules (AlertRule), each over one kind of period:
- item_spike (week): one item in one community this week > factor × its weekly average over the trailing weeks, and
  at least a minimum count (requests accepted, states counted in statistics);
- seal_off_hours (week): seal uses of one community outside working hours (not a working day under the State
  Council's schedule, or before the start / from the end hour), at least a minimum count;
- many_certificates (month): certificates signed for one person (ID number), or for one household (its address,
  normalised), more than a limit within the county;
- own_household (month): a signer signing requests from their own household (the same ID number, or the signer's
  registered address equal to the applicant's, normalised), at least a minimum count;
- exceptional_share (month): a community's share of exceptional-path matters above the county's norm, with at least a
  minimum count.

`evaluate(as_of=…)` (the `evaluate_alerts` command, later a periodic task) looks at the period containing as_of and
the one before, and creates the alerts not yet there: the same rule, subject and period are never alerted twice (a
unique constraint backs the check). Alerts are permanent; a county officer acknowledges each with a note.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.textnorm import flat
from certificates import workflow
from certificates.models import Alert, AlertAcknowledgement, AlertRule, AlertSetting, CertificateRequest
from certificates.services import RequestInvalid
from certificates.workdays import is_workday
from certificates.workflow import WorkflowError
from portal.access import active_memberships
from portal.idcard import mask_id_number
from portal.models import BindingStatus, Region, ResidenceBinding, User
from portal.regions import PREFIX_LENGTH, Level
from portal.roles import Role


@dataclass(frozen=True)
class Param:
    key: str
    label: str
    default: int
    minimum: int
    maximum: int


@dataclass(frozen=True)
class RuleSpec:
    rule: str
    period: str  # "week" | "month"
    params: tuple[Param, ...]
    explain: str


RULES: dict[str, RuleSpec] = {
    AlertRule.ITEM_SPIKE: RuleSpec(
        AlertRule.ITEM_SPIKE,
        "week",
        (
            Param("factor", gettext_lazy("超过前几周周均的倍数"), 3, 1, 100),
            Param("weeks", gettext_lazy("与前几周比较"), 4, 1, 12),
            Param("minimum", gettext_lazy("本周至少件数"), 10, 1, 10000),
        ),
        gettext_lazy("某社区某项证明本周受理件数超过前几周周均的若干倍，且不少于最低件数。"),
    ),
    AlertRule.SEAL_OFF_HOURS: RuleSpec(
        AlertRule.SEAL_OFF_HOURS,
        "week",
        (
            Param("start_hour", gettext_lazy("上班时间（时）"), 8, 0, 23),
            Param("end_hour", gettext_lazy("下班时间（时）"), 18, 1, 24),
            Param("minimum", gettext_lazy("每周至少次数"), 1, 1, 1000),
        ),
        gettext_lazy("在法定工作日的上班时间以外（含节假日、休息日）用印。"),
    ),
    AlertRule.MANY_CERTIFICATES: RuleSpec(
        AlertRule.MANY_CERTIFICATES,
        "month",
        (
            Param("per_person", gettext_lazy("同一人每月最多件数"), 5, 1, 1000),
            Param("per_household", gettext_lazy("同一户每月最多件数"), 8, 1, 1000),
        ),
        gettext_lazy("同一人（身份号码）或同一户（住址）一个月内签批的证明超过上限。"),
    ),
    AlertRule.OWN_HOUSEHOLD: RuleSpec(
        AlertRule.OWN_HOUSEHOLD,
        "month",
        (Param("minimum", gettext_lazy("每月至少件数"), 1, 1, 1000),),
        gettext_lazy("签字人为本人或与本人登记住址相同的申请人签字。"),
    ),
    AlertRule.EXCEPTIONAL_SHARE: RuleSpec(
        AlertRule.EXCEPTIONAL_SHARE,
        "month",
        (
            Param("norm_percent", gettext_lazy("区县标准：清单外事项占比上限（%）"), 10, 0, 100),
            Param("minimum", gettext_lazy("每月至少件数"), 3, 1, 10000),
        ),
        gettext_lazy("某社区一个月内清单外据实出具事项占受理件数的比例超过区县标准。"),
    ),
}


# --- thresholds -----------------------------------------------------------------------------------------------------


def defaults(rule: str) -> dict[str, int]:
    return {p.key: p.default for p in RULES[rule].params}


def all_thresholds() -> dict[int, dict[str, dict[str, int]]]:
    """county id → rule → the thresholds in force (the latest setting over the defaults), in one query."""
    result: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    for setting in AlertSetting.objects.order_by("set_at", "id"):
        if setting.rule in RULES:
            result[setting.county_id][setting.rule] = {**defaults(setting.rule), **setting.params}
    return result


def thresholds(county: Region, rule: str) -> dict[str, int]:
    latest = AlertSetting.objects.filter(county=county, rule=rule).order_by("-set_at", "-id").first()
    return {**defaults(rule), **(latest.params if latest else {})}


def may_decide(user: User, county: Region) -> bool:
    """The county's own officers set thresholds and acknowledge alerts; officers above only read."""
    return any(m.role == Role.COUNTY_OFFICER and m.region_id == county.pk for m in active_memberships(user))


def threshold_set(*, county: Region, rule: str, values: dict[str, int], note: str, actor: User) -> AlertSetting:
    if not may_decide(actor, county):
        raise WorkflowError(_("只有本区县的民政干部可以调整预警阈值。"), forbidden=True)
    spec = RULES.get(rule)
    if spec is None:
        raise RequestInvalid({"rule": [_("未知的预警规则。")]})
    errors: dict[str, list[str]] = {}
    params: dict[str, int] = {}
    for p in spec.params:
        value = values.get(p.key)
        if not isinstance(value, int) or not p.minimum <= value <= p.maximum:
            errors[p.key] = [_("请填写 %(a)s 至 %(b)s 之间的整数。") % {"a": p.minimum, "b": p.maximum}]
        else:
            params[p.key] = value
    if rule == AlertRule.SEAL_OFF_HOURS and not errors and params["start_hour"] >= params["end_hour"]:
        errors["end_hour"] = [_("下班时间应晚于上班时间。")]
    if not note.strip():
        errors["note"] = [_("请写明调整理由。")]
    if errors:
        raise RequestInvalid(errors)
    return AlertSetting.objects.create(county=county, rule=rule, params=params, note=note.strip(), set_by=actor)


# --- periods --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str
    start: dt.date
    end: dt.date  # inclusive

    def aware_range(self) -> tuple[dt.datetime, dt.datetime]:
        start = timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))
        return start, timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))


def week_of(day: dt.date) -> Period:
    start = day - dt.timedelta(days=day.weekday())
    year, week, _weekday = start.isocalendar()
    return Period(f"{year}-W{week:02d}", start, start + dt.timedelta(days=6))


def month_of(day: dt.date) -> Period:
    start = day.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return Period(start.strftime("%Y-%m"), start, following - dt.timedelta(days=1))


def periods(kind: str, as_of: dt.date) -> list[Period]:
    """The period containing as_of and the one before (so a run after a quiet day still sees last week's end)."""
    of = week_of if kind == "week" else month_of
    current = of(as_of)
    return [of(current.start - dt.timedelta(days=1)), current]


# --- addresses ------------------------------------------------------------------------------------------------------

_NUMERALS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_BUILDING = re.compile(r"(栋|幢|号楼|楼)")


def normalize_address(text: str, places: tuple[str, ...] = ()) -> str:
    """An address in one spelling: folded (NFKC, simplified, no spacing or punctuation), the names of the places
    containing the community dropped from the front, Chinese digits as digits, 栋/幢/楼 as 号楼, no trailing 室."""
    key = flat(text or "").translate(_NUMERALS)
    changed = True
    while changed:
        changed = False
        for name in places:
            folded = flat(name)
            if folded and key.startswith(folded) and len(key) > len(folded):
                key, changed = key[len(folded) :], True
                break  # start again from the longest name: '雁塔区' before '雁塔'
    key = _BUILDING.sub("号楼", key).replace("号号楼", "号楼")
    return key.removesuffix("室")


_place_names: dict[str, tuple[str, ...]] = {}


def _places_of(community_code: str, regions: dict[str, Region]) -> tuple[str, ...]:
    """The names of the community's province, city, county and street (as written, and without their suffix)."""
    if community_code not in _place_names:
        names: list[str] = []
        for level in (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.STREET):
            length = PREFIX_LENGTH[level]
            code = community_code[:length].ljust(12, "0")
            region = regions.get(code)
            if region is not None:
                names.append(region.name)
                short = re.sub(r"(省|市|区|县|街道办事处|街道|镇|乡)$", "", region.name)
                if len(short) >= 2:
                    names.append(short)
        _place_names[community_code] = tuple(sorted(set(names), key=lambda n: -len(n)))
    return _place_names[community_code]


def _binding_addresses(user_ids: set[int]) -> dict[int, str]:
    """Each person's registered address: their current binding, else the last one they had confirmed."""
    found: dict[int, str] = {}
    bindings = ResidenceBinding.objects.filter(
        resident_id__in=user_ids, status__in=[BindingStatus.CONFIRMED, BindingStatus.ENDED, BindingStatus.PENDING]
    ).order_by("requested_at", "pk")
    for binding in bindings:
        if binding.status != BindingStatus.PENDING or binding.resident_id not in found:
            found[binding.resident_id] = binding.address
    return found


def _applicant_address(row: dict, registered: dict[int, str]) -> str:
    typed = (row.get("field_values") or {}).get("address", "")
    return typed if isinstance(typed, str) and typed.strip() else registered.get(row.get("applicant_id"), "")


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _county_code(community_code: str) -> str:
    return community_code[: PREFIX_LENGTH[Level.COUNTY]].ljust(12, "0")


# --- the rules ------------------------------------------------------------------------------------------------------


@dataclass
class Found:
    county_code: str
    community_id: int | None
    subject_key: str
    subject_label: str
    figures: dict


Params = Callable[[str], dict[str, int]]  # county code → the rule's thresholds in force there


def _counted_requests():
    return CertificateRequest.objects.filter(status__in=workflow.STATISTICS_STATES)


def find_item_spikes(period: Period, params_of: Params) -> list[Found]:
    widest = max(p.maximum for p in RULES[AlertRule.ITEM_SPIKE].params if p.key == "weeks")
    first = period.start - dt.timedelta(weeks=widest)
    # per (community, item): this week's count, and earlier counts by how many weeks back they were accepted
    before: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    this_week: dict[tuple, int] = defaultdict(int)
    labels: dict[tuple, tuple] = {}
    for row in (
        _counted_requests()
        .filter(accepted_on__gte=first, accepted_on__lte=period.end)
        .values(
            "community_id",
            "community__code",
            "community__name",
            "item_id",
            "item__name",
            "exceptional_name",
            "accepted_on",
        )
        .annotate(n=Count("pk"))
        .order_by()
    ):
        key = (row["community_id"], row["item_id"], row["exceptional_name"] if row["item_id"] is None else "")
        labels[key] = (row["community__code"], row["community__name"], row["item__name"] or row["exceptional_name"])
        if row["accepted_on"] >= period.start:
            this_week[key] += row["n"]
        else:
            before[key][((period.start - row["accepted_on"]).days - 1) // 7 + 1] += row["n"]  # 1: the week before
    found: list[Found] = []
    for key, count in this_week.items():
        code, community_name, item_name = labels[key]
        p = params_of(_county_code(code))
        trailing = sum(n for back, n in before[key].items() if back <= p["weeks"])
        average = trailing / p["weeks"]
        if count >= p["minimum"] and count > p["factor"] * average:
            item_key = f"item{key[1]}" if key[1] else f"name{_hash(key[2])}"
            found.append(
                Found(
                    _county_code(code),
                    key[0],
                    f"{code}:{item_key}",
                    f"{community_name} · {item_name}",
                    {"count": count, "baseline": round(average, 2), "params": p},
                )
            )
    return found


def find_seal_off_hours(period: Period, params_of: Params) -> list[Found]:
    from seals.models import SealUse

    start, end = period.aware_range()
    per: dict[tuple, list] = defaultdict(list)
    for use in (
        SealUse.objects.filter(at__gte=start, at__lt=end)
        .values("pk", "at", "document_title", "seal__community_id", "seal__community__code", "seal__community__name")
        .order_by("at", "pk")
    ):
        code = use["seal__community__code"]
        p = params_of(_county_code(code))
        local = timezone.localtime(use["at"])
        working_day, _certain = is_workday(local.date())
        if working_day and p["start_hour"] <= local.hour < p["end_hour"]:
            continue
        per[(use["seal__community_id"], code, use["seal__community__name"])].append(
            {"id": use["pk"], "at": local.strftime("%Y-%m-%d %H:%M"), "title": use["document_title"]}
        )
    found = []
    for (community_id, code, name), uses in per.items():
        p = params_of(_county_code(code))
        if len(uses) >= p["minimum"]:
            found.append(
                Found(
                    _county_code(code), community_id, code, name, {"count": len(uses), "params": p, "refs": uses[:20]}
                )
            )
    return found


def _signed_in(period: Period):
    start, end = period.aware_range()
    return CertificateRequest.objects.filter(
        status__in=workflow.POST_CHECK_STATES, signed_at__gte=start, signed_at__lt=end
    )


def _regions_for(codes: set[str]) -> dict[str, Region]:
    wanted: set[str] = set()
    for code in codes:
        for level in (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.STREET):
            wanted.add(code[: PREFIX_LENGTH[level]].ljust(12, "0"))
    return {r.code: r for r in Region.objects.filter(code__in=wanted)}


def find_many_certificates(period: Period, params_of: Params) -> list[Found]:
    rows = list(
        _signed_in(period).values(
            "pk", "community__code", "applicant_id", "applicant_id_number", "applicant_name", "field_values"
        )
    )
    registered = _binding_addresses({r["applicant_id"] for r in rows if r["applicant_id"]})
    regions = _regions_for({r["community__code"] for r in rows})
    people: dict[tuple, list] = defaultdict(list)
    households: dict[tuple, list] = defaultdict(list)
    for row in rows:
        county = _county_code(row["community__code"])
        if row["applicant_id_number"]:
            people[(county, row["applicant_id_number"])].append(row)
        address = _applicant_address(row, registered)
        key = normalize_address(address, _places_of(row["community__code"], regions))
        if key:
            households[(county, key)].append(row)
    found = []
    for (county, id_number), items in people.items():
        p = params_of(county)
        if len(items) > p["per_person"]:
            found.append(
                Found(
                    county,
                    None,
                    f"person:{county[:6]}:{_hash(id_number)}",
                    f"{items[0]['applicant_name']}（{mask_id_number(id_number)}）",
                    {"count": len(items), "limit": p["per_person"], "params": p, "refs": [r["pk"] for r in items][:50]},
                )
            )
    for (county, key), items in households.items():
        p = params_of(county)
        if len(items) > p["per_household"]:
            label = _applicant_address(items[0], registered).strip()
            found.append(
                Found(
                    county,
                    None,
                    f"household:{county[:6]}:{_hash(key)}",
                    label[:200],
                    {
                        "count": len(items),
                        "limit": p["per_household"],
                        "params": p,
                        "refs": [r["pk"] for r in items][:50],
                    },
                )
            )
    return found


def find_own_household(period: Period, params_of: Params) -> list[Found]:
    rows = list(
        _signed_in(period)
        .filter(signed_by__isnull=False)
        .values(
            "pk",
            "community_id",
            "community__code",
            "community__name",
            "signed_by_id",
            "applicant_id",
            "applicant_id_number",
            "field_values",
        )
    )
    signer_ids = {r["signed_by_id"] for r in rows}
    signers = {u.pk: u for u in User.objects.filter(pk__in=signer_ids)}
    registered = _binding_addresses(signer_ids | {r["applicant_id"] for r in rows if r["applicant_id"]})
    regions = _regions_for({r["community__code"] for r in rows})
    per: dict[tuple, list] = defaultdict(list)
    for row in rows:
        signer = signers[row["signed_by_id"]]
        places = _places_of(row["community__code"], regions)
        signer_home = normalize_address(registered.get(signer.pk, ""), places)
        applicant_home = normalize_address(_applicant_address(row, registered), places)
        same_person = bool(signer.id_number) and signer.id_number == row["applicant_id_number"]
        if same_person or (signer_home and signer_home == applicant_home):
            per[(row["community_id"], row["community__code"], row["community__name"], signer.pk)].append(row["pk"])
    found = []
    for (community_id, code, name, signer_pk), refs in per.items():
        p = params_of(_county_code(code))
        if len(refs) >= p["minimum"]:
            found.append(
                Found(
                    _county_code(code),
                    community_id,
                    f"signer:{code}:{signer_pk}",
                    f"{name} · {signers[signer_pk].display_name}",
                    {"count": len(refs), "params": p, "refs": refs[:50]},
                )
            )
    return found


def find_exceptional_share(period: Period, params_of: Params) -> list[Found]:
    rows = (
        _counted_requests()
        .filter(accepted_on__gte=period.start, accepted_on__lte=period.end)
        .values("community_id", "community__code", "community__name")
        .annotate(total=Count("pk"), exceptional=Count("pk", filter=Q(exceptional=True)))
        .order_by()
    )
    found = []
    for row in rows:
        p = params_of(_county_code(row["community__code"]))
        share = 100 * row["exceptional"] / row["total"]
        if row["exceptional"] >= p["minimum"] and share > p["norm_percent"]:
            found.append(
                Found(
                    _county_code(row["community__code"]),
                    row["community_id"],
                    row["community__code"],
                    row["community__name"],
                    {"count": row["exceptional"], "total": row["total"], "share": round(share, 1), "params": p},
                )
            )
    return found


FINDERS: dict[str, Callable[[Period, Params], list[Found]]] = {
    AlertRule.ITEM_SPIKE: find_item_spikes,
    AlertRule.SEAL_OFF_HOURS: find_seal_off_hours,
    AlertRule.MANY_CERTIFICATES: find_many_certificates,
    AlertRule.OWN_HOUSEHOLD: find_own_household,
    AlertRule.EXCEPTIONAL_SHARE: find_exceptional_share,
}


def evaluate(*, as_of: dt.date | None = None, rules: tuple[str, ...] | None = None) -> dict[str, int]:
    """Evaluate every rule for every county; create the alerts not yet there. Returns how many each rule created."""
    as_of = as_of or timezone.localdate()
    settings_by_id = all_thresholds()
    counties: dict[str, Region | None] = {}
    created: dict[str, int] = {}
    for rule in rules or tuple(FINDERS):
        spec = RULES[rule]

        def params_of(code: str, rule: str = rule) -> dict[str, int]:
            if code not in counties:
                counties[code] = Region.objects.filter(code=code, level=Level.COUNTY).first()
            county = counties[code]
            return {**defaults(rule), **(settings_by_id.get(county.pk, {}).get(rule, {}) if county else {})}

        created[rule] = 0
        for period in periods(spec.period, as_of):
            found = [f for f in FINDERS[rule](period, params_of) if counties.get(f.county_code)]
            if not found:
                continue
            existing = set(
                Alert.objects.filter(
                    rule=rule, period=period.key, subject_key__in=[f.subject_key for f in found]
                ).values_list("subject_key", flat=True)
            )
            new = [
                Alert(
                    county=counties[f.county_code],
                    community_id=f.community_id,
                    rule=rule,
                    subject_key=f.subject_key,
                    subject_label=f.subject_label[:200],
                    period=period.key,
                    period_start=period.start,
                    period_end=period.end,
                    figures=f.figures,
                )
                for f in found
                if f.subject_key not in existing
            ]
            # ignore_conflicts: a run in parallel that created the same alert meanwhile is not an error
            Alert.objects.bulk_create(new, ignore_conflicts=True)
            created[rule] += len(new)
    return created


# --- reading and acknowledging --------------------------------------------------------------------------------------


def in_region(region: Region) -> Q:
    """Alerts about the places under region: by their community, or by their county when they name none."""
    return Q(community__code__startswith=region.prefix) | Q(
        community__isnull=True, county__code__startswith=region.prefix
    )


def open_count(region: Region) -> int:
    return Alert.objects.filter(in_region(region), acknowledgement__isnull=True).count()


def describe(alert: Alert) -> str:
    """What the rule found, in the reader's language (the figures are stored, the sentence is not)."""
    f = alert.figures
    p = f.get("params", {})
    if alert.rule == AlertRule.ITEM_SPIKE:
        return _("本周受理 %(n)s 件，前 %(w)s 周周均 %(avg)s 件（阈值：超过 %(k)s 倍且不少于 %(m)s 件）。") % {
            "n": f.get("count"),
            "w": p.get("weeks"),
            "avg": f.get("baseline"),
            "k": p.get("factor"),
            "m": p.get("minimum"),
        }
    if alert.rule == AlertRule.SEAL_OFF_HOURS:
        return _("非工作时间用印 %(n)s 次（工作时间：工作日 %(a)s 时至 %(b)s 时）。") % {
            "n": f.get("count"),
            "a": p.get("start_hour"),
            "b": p.get("end_hour"),
        }
    if alert.rule == AlertRule.MANY_CERTIFICATES:
        return _("本月签批证明 %(n)s 件，超过上限 %(limit)s 件。") % {"n": f.get("count"), "limit": f.get("limit")}
    if alert.rule == AlertRule.OWN_HOUSEHOLD:
        return _("本月为本人或同住址申请人签字 %(n)s 件。") % {"n": f.get("count")}
    if alert.rule == AlertRule.EXCEPTIONAL_SHARE:
        return _("本月清单外事项 %(n)s 件，占受理 %(t)s 件的 %(s)s%%，区县标准 %(norm)s%%。") % {
            "n": f.get("count"),
            "t": f.get("total"),
            "s": f.get("share"),
            "norm": p.get("norm_percent"),
        }
    return ""


def alert_acknowledge(*, alert_id: int, actor: User, note: str) -> AlertAcknowledgement:
    if not note.strip():
        raise RequestInvalid({"note": [_("请写明核查或处理情况。")]})
    with transaction.atomic():
        alert = Alert.objects.select_for_update().select_related("county").get(pk=alert_id)
        if not may_decide(actor, alert.county):
            raise WorkflowError(_("只有本区县的民政干部可以确认预警。"), forbidden=True)
        if AlertAcknowledgement.objects.filter(alert=alert).exists():
            raise WorkflowError(_("该预警已经确认。"))
        return AlertAcknowledgement.objects.create(alert=alert, actor=actor, note=note.strip())


def oversees_alert(user: User, alert: Alert) -> bool:
    """The officers overseeing its community (street and above) or, without a community, its county."""
    from portal.access import oversees

    return oversees(user, alert.community or alert.county)

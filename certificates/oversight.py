"""Oversight statistics (督导统计): the figures a street, county, city or provincial officer reads for their place.

One area per place, rolled up by the 12-digit statistical code: a place's figures count every request of the
communities whose code starts with its prefix, and each figure is broken down by the places one level below
(province → city → county → street → community). So the number of queries does not depend on how many communities
a place has.

Cost at province scale: an area reads its communities once (id → code), filters the big tables on their community
foreign key (the (community, status) index finds a county's 2–3% of a million requests) and groups by community id;
the child place of each group is the leading digits of its community's code, summed here. Joining the region table
and filtering on `code LIKE '610902%'` instead made PostgreSQL read every request of the province for each figure.
An area of more than selectors.SCOPE_BY_ID_MAX communities (a city, the province) reads most of the table anyway
and is filtered through the join.

Request states are read only from the one classification in certificates/workflow.py (STATISTICS_STATES,
OPEN_STATES, OVERDUE_STATES, POST_CHECK_STATES); this module keeps no list of states of its own.

Each figure is a `Figure`: a title, a header and rows (the table beside the chart and the CSV/XLSX download) and,
when it has one, the series drawn as a chart (certificates/charts.py).

Two steps: `tally` does every database read of a place and returns language-free counts (a `Tally`); `build` turns
a tally into the figures, with titles, headers and labels in the active language, without touching the database. So
the snapshots of both languages (certificates/snapshots.py) are built from one set of counts.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates import selectors, workflow
from certificates.models import (
    CertificateRequest,
    CertificateRevocation,
    Channel,
    PostCheck,
    PostCheckResult,
    Status,
)
from certificates.workdays import is_workday
from portal.models import Region
from portal.regions import LEVEL_ORDER, PREFIX_LENGTH, Level

# The columns of "by outcome": everything still open counts together, each closed state has its own column.
CLOSED_COUNTED = tuple(s for s in workflow.STATISTICS_STATES if s not in workflow.OPEN_STATES)
MONTHS = 12


@dataclass
class Chart:
    labels: list[str]
    series: list[tuple[str, list[float]]]  # (name, one value per label)
    kind: str = "bars"  # "bars": horizontal bars, one group per label; "columns": vertical, e.g. months
    unit: str = ""  # appended to the value printed at the end of each bar, e.g. "%"


@dataclass
class Figure:
    key: str
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    chart: Chart | None = None
    note: str = ""


def child_level(region: Region) -> str | None:
    index = LEVEL_ORDER.index(region.level)
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


@dataclass
class Area:
    """A place and the places one level below it (none for a community): the rows of every breakdown."""

    region: Region
    children: list[Region]
    child_level: str | None
    communities: dict[int, str]  # every community of the place: id -> code

    @classmethod
    def of(cls, region: Region) -> Area:
        level = child_level(region)
        children = list(region.descendants(level).order_by("code")) if level else []
        communities = dict(
            Region.objects.filter(level=Level.COMMUNITY, code__startswith=region.prefix).values_list("pk", "code")
        )
        return cls(region=region, children=children, child_level=level, communities=communities)

    @property
    def key_length(self) -> int:
        return PREFIX_LENGTH[self.child_level or Level.COMMUNITY]

    def scope(self, community_field: str) -> Q:
        """Rows whose community (the foreign key `community_field`) lies in this place."""
        return selectors.community_scope([self.region], community_field, ids=list(self.communities))

    def place_of(self, community_id: int) -> str:
        """The leading digits of a community's code naming the child place (the place itself for a community)."""
        return self.communities.get(community_id, "")[: self.key_length]

    def rows(self, counts: dict[str, dict], columns: list[str]) -> list[list]:
        """One row per child place (zeros where nothing happened) and a total row."""
        places = self.children or [self.region]
        length = self.key_length
        rows = [[place.name, *(counts.get(place.code[:length], {}).get(c, 0) for c in columns)] for place in places]
        totals = [sum(row[i + 1] for row in rows) for i in range(len(columns))]
        # Rows whose code matches no registered child (data entered under a code not in the region table).
        known = {place.code[:length] for place in places}
        for key, values in counts.items():
            if key not in known:
                for i, c in enumerate(columns):
                    totals[i] += values.get(c, 0)
        return [*rows, [_("合计"), *totals]]


def _grouped(queryset, area: Area, community_field: str, **counts) -> dict[str, dict]:
    """Counts per child place: grouped by community in the database, summed per place here (counts add up)."""
    grouped: dict[str, dict] = {}
    for row in queryset.filter(area.scope(community_field)).values(community_field).annotate(**counts).order_by():
        place = grouped.setdefault(area.place_of(row[community_field]), {})
        for name in counts:
            place[name] = place.get(name, 0) + row[name]
    return grouped


def _counted() -> Q:
    return Q(status__in=workflow.STATISTICS_STATES)


def overdue_q(today: dt.date) -> Q:
    return Q(status__in=workflow.OVERDUE_STATES, due_date__lt=today)


def request_counts(area: Area, today: dt.date) -> dict[str, dict]:
    """Per place below, every count of requests the per-place figures show (areas and supervision), in one pass
    over the area's requests. Post-check conditions come before the EXISTS, so it is evaluated only where needed."""
    checks = PostCheck.objects.filter(request=OuterRef("pk"))
    counted = _counted()
    exceptional = counted & Q(exceptional=True)
    post_check = Q(status__in=workflow.POST_CHECK_STATES, post_check_required=True)
    return _grouped(
        CertificateRequest.objects.all(),
        area,
        "community",
        received=Count("pk", filter=counted),
        open=Count("pk", filter=Q(status__in=workflow.OPEN_STATES)),
        overdue=Count("pk", filter=overdue_q(today)),
        signed=Count("pk", filter=Q(status__in=workflow.POST_CHECK_STATES)),
        rejected=Count("pk", filter=Q(status=Status.REJECTED)),
        # not named after a field: a later filter on `exceptional` would read the count instead
        exceptional_matters=Count("pk", filter=exceptional),
        approved=Count("pk", filter=exceptional & Q(county_review_approved=True)),
        refused=Count("pk", filter=exceptional & Q(county_review_approved=False)),
        awaiting=Count("pk", filter=exceptional & Q(county_review_required=True, county_reviewed_at__isnull=True)),
        checked=Count("pk", filter=post_check & Q(Exists(checks))),
        check_false=Count("pk", filter=post_check & Q(Exists(checks.filter(result=PostCheckResult.FALSE)))),
        check_due=Count("pk", filter=post_check & ~Q(Exists(checks))),
    )


def area_figure(area: Area, counts: dict[str, dict]) -> Figure:
    """Requests per place below: received, still open, overdue now, signed, refused."""
    columns = ["received", "open", "overdue", "signed", "rejected"]
    rows = area.rows(counts, columns)
    level_label = Level(area.child_level).label if area.child_level else Level.COMMUNITY.label
    return Figure(
        key="areas",
        title=_("各辖区办理情况"),
        header=[str(level_label), _("受理"), _("办理中"), _("现已逾期"), _("已签批（含已出具）"), _("不予出具")],
        rows=rows,
        chart=Chart(
            labels=[r[0] for r in rows[:-1]],
            series=[(_("受理"), [r[1] for r in rows[:-1]]), (_("现已逾期"), [r[3] for r in rows[:-1]])],
        ),
        note=_("“办理中”和“现已逾期”为统计时点的状态；逾期指已过办结期限仍未办结（补正期间不计时）。"),
    )


def _concept_name(item_code: str | None, item_name: str | None, exceptional_name: str, entries) -> str:
    from catalog import resolver

    if item_code is None:
        concept = resolver.concept_of_item(SimpleNamespace(code="", name=exceptional_name), entries)
        return concept.name if concept else _("清单外：%(name)s") % {"name": exceptional_name}
    concept = resolver.concept_of_item(SimpleNamespace(code=item_code, name=item_name), entries)
    return concept.name if concept else item_name


def concept_rows(area: Area) -> list[dict]:
    """Counted requests grouped by item (or exceptional name), status and channel."""
    return list(
        CertificateRequest.objects.filter(area.scope("community"), _counted())
        .values("item__code", "item__name", "exceptional_name", "status", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    )


def concept_figure(rows: list[dict], entries) -> Figure:
    """Requests by what was asked for (the resolver's concepts), by outcome and by channel."""
    groups: dict[str, dict[str, int]] = {}
    for row in rows:
        name = _concept_name(row["item__code"], row["item__name"], row["exceptional_name"], entries)
        group = groups.setdefault(name, {})
        for key in ("total", row["status"], row["channel"]):
            group[key] = group.get(key, 0) + row["n"]
        if row["status"] in workflow.OPEN_STATES:
            group["open"] = group.get("open", 0) + row["n"]
    ordered = sorted(groups.items(), key=lambda kv: (-kv[1]["total"], kv[0]))
    columns = ["total", "open", *CLOSED_COUNTED, Channel.ONLINE, Channel.COUNTER]
    table = [[name, *(counts.get(c, 0) for c in columns)] for name, counts in ordered]
    if table:
        table.append([_("合计"), *(sum(row[i] for row in table) for i in range(1, len(columns) + 1))])
    header = [
        _("证明事项"),
        _("受理"),
        _("办理中"),
        *(str(Status(s).label) for s in CLOSED_COUNTED),
        _("网上申请"),
        _("窗口受理"),
    ]
    top = table[:-1][:15]
    return Figure(
        key="concepts",
        title=_("按证明事项、办理结果和受理渠道"),
        header=header,
        rows=table,
        chart=Chart(
            labels=[r[0] for r in top],
            series=[(_("网上申请"), [r[-2] for r in top]), (_("窗口受理"), [r[-1] for r in top])],
        ),
        note=_("同一证明的不同名称按统一的证明概念合并统计；清单外事项按社区填写的名称列出。"),
    )


def _workday_index(first: dt.date | None, last: dt.date | None) -> dict[dt.date, int]:
    """Working days counted from `first`: index[b] - index[a] is workdays_between(a, b) for days in the range."""
    index: dict[dt.date, int] = {}
    if first is None or last is None:
        return index
    count, day = 0, first
    index[day] = 0
    while day < last:
        day += dt.timedelta(days=1)
        count += is_workday(day)[0]
        index[day] = count
    return index


def _median(counts: Counter) -> float:
    """The median of values given as {value: how many times}."""
    total = counts.total()
    middle = [(total - 1) // 2, total // 2]  # the one or two middle positions (0-based)
    found, seen = [], 0
    for value in sorted(counts):
        seen += counts[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
    return statistics.mean(found) if found[0] != found[-1] else found[0]


def timeliness_rows(area: Area) -> list[dict]:
    """Signed requests grouped by the dates that decide their timeliness."""
    # Grouped in the database by the dates that decide the answer: one row per (item, accepted, signed, due, paused)
    # instead of one per request; working days come from one index of the days in range, not a walk per request.
    return list(
        CertificateRequest.objects.filter(
            area.scope("community"),
            status__in=workflow.POST_CHECK_STATES,
            accepted_on__isnull=False,
            signed_at__isnull=False,
        )
        .annotate(signed_on=TruncDate("signed_at"))
        .values(
            "item__code",
            "item__name",
            "exceptional_name",
            "item__time_limit_workdays",
            "accepted_on",
            "signed_on",
            "due_date",
            "paused_workdays",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )


def timeliness_figure(done: list[dict], entries) -> Figure:
    """Signed requests: working days from acceptance to signature (supplement time not counted) against the item's
    limit; the median and the share signed by the due date."""
    index = _workday_index(
        min((r["accepted_on"] for r in done), default=None), max((r["signed_on"] for r in done), default=None)
    )
    names: dict[tuple, str] = {}
    per: dict[str, dict] = {}
    for r in done:
        ident = (r["item__code"], r["item__name"], r["exceptional_name"])
        if ident not in names:
            names[ident] = _concept_name(*ident, entries)
        days = max(index[r["signed_on"]] - index[r["accepted_on"]] - r["paused_workdays"], 0)
        group = per.setdefault(names[ident], {"days": Counter(), "on_time": 0, "limits": set()})
        group["days"][days] += r["n"]
        group["on_time"] += r["n"] if r["due_date"] and r["signed_on"] <= r["due_date"] else 0
        if r["item__time_limit_workdays"] is not None:
            group["limits"].add(r["item__time_limit_workdays"])
    all_days = sum((g["days"] for g in per.values()), Counter())
    all_on_time = sum(g["on_time"] for g in per.values())

    def row(name: str, days: Counter, on_time: int, limits: set[int]) -> list:
        limit = "—" if not limits else "–".join(str(x) for x in sorted({min(limits), max(limits)}))
        count = days.total()
        share = round(100 * on_time / count) if count else 0
        return [name, count, limit, _median(days) if count else "—", on_time, share]

    ordered = sorted(per.items(), key=lambda kv: (-kv[1]["days"].total(), kv[0]))
    rows = [row(name, g["days"], g["on_time"], g["limits"]) for name, g in ordered]
    if rows:
        rows.append(row(_("合计"), all_days, all_on_time, {x for g in per.values() for x in g["limits"]}))
    top = rows[:-1][:15]
    return Figure(
        key="timeliness",
        title=_("办理时长与按时办结"),
        header=[
            _("证明事项"),
            _("已签批件数"),
            _("时限（工作日）"),
            _("用时中位数（工作日）"),
            _("按时"),
            _("按时率（%）"),
        ],
        rows=rows,
        chart=Chart(labels=[r[0] for r in top], series=[(_("按时率"), [r[5] for r in top])], unit="%"),
        note=_("用时自受理日起至主任签字日止，按工作日计，扣除等待补正的工作日；按时指在办结期限当日或之前签字。"),
    )


def refusal_figures(counts: dict[str, list[dict]], year: int) -> list[Figure]:
    """`counts`: selectors.refusal_counts of the place and year."""
    by_concept = [[g["concept"], g["n"]] for g in counts["by_concept"]]
    by_body = [[r["requesting_body"], r["n"]] for r in counts["by_body"]]
    note = _("%(year)s年开具的《不予出具告知及替代途径说明》，最多列出前20项。") % {"year": year}
    return [
        Figure(
            key="refusals_concept",
            title=_("不予出具告知：按索要的证明"),
            header=[_("证明（概念）"), _("告知份数")],
            rows=by_concept,
            chart=Chart(labels=[r[0] for r in by_concept], series=[(_("告知份数"), [r[1] for r in by_concept])]),
            note=note,
        ),
        Figure(
            key="refusals_body",
            title=_("不予出具告知：按要求出具的单位"),
            header=[_("要求出具的单位"), _("告知份数")],
            rows=by_body,
            chart=Chart(labels=[r[0] for r in by_body], series=[(_("告知份数"), [r[1] for r in by_body])]),
            note=note,
        ),
    ]


def supervision_counts(area: Area, request_counts: dict[str, dict]) -> dict[str, dict]:
    """The request counts per place below, with revocations and seal uses for documents other than certificates."""
    from seals.models import DocumentKind, SealUse

    counts = {place: dict(row) for place, row in request_counts.items()}
    for place, row in _grouped(
        CertificateRevocation.objects.all(), area, "certificate__entry__community", n=Count("pk")
    ).items():
        counts.setdefault(place, {})["revoked"] = row["n"]
    for place, row in _grouped(
        SealUse.objects.exclude(document_kind=DocumentKind.CERTIFICATE), area, "seal__community", n=Count("pk")
    ).items():
        counts.setdefault(place, {})["seal_other"] = row["n"]
    return counts


def supervision_figure(area: Area, counts: dict[str, dict]) -> Figure:
    """Per place below: exceptional matters and the county's decisions, post-checks done and due, revocations, and
    seal uses for documents other than certificates (`counts`: supervision_counts)."""
    columns = [
        "exceptional_matters",
        "approved",
        "refused",
        "awaiting",
        "checked",
        "check_false",
        "check_due",
        "revoked",
    ]
    columns.append("seal_other")
    level_label = Level(area.child_level).label if area.child_level else Level.COMMUNITY.label
    return Figure(
        key="supervision",
        title=_("清单外事项、事后核查、撤销与非证明用印"),
        header=[
            str(level_label),
            _("清单外事项"),
            _("区县同意"),
            _("区县不同意"),
            _("待区县复核"),
            _("事后核查已做"),
            _("其中承诺不实"),
            _("事后核查待做"),
            _("撤销证明"),
            _("非证明用印"),
        ],
        rows=area.rows(counts, columns),
        note=_("事后核查：以告知承诺代替材料、已签批的事项；已做指至少有一次核查记录。"),
    )


def _month_start(day: dt.date, back: int) -> dt.date:
    month = day.year * 12 + day.month - 1 - back
    return dt.date(month // 12, month % 12 + 1, 1)


def _months(today: dt.date) -> list[dt.date]:
    return [_month_start(today, back) for back in range(MONTHS - 1, -1, -1)]


def monthly_counts(area: Area, today: dt.date) -> tuple[Counter, Counter]:
    """Requests accepted and signed per month (its first day) over the last twelve months (this month included)."""
    months = _months(today)
    # One pass: grouped by (month accepted, month signed), then summed along each.
    was_accepted = _counted() & Q(accepted_on__gte=months[0])
    was_signed = Q(
        status__in=workflow.POST_CHECK_STATES,
        signed_at__gte=timezone.make_aware(dt.datetime.combine(months[0], dt.time.min)),
    )
    accepted: Counter = Counter()
    signed: Counter = Counter()
    for row in (
        CertificateRequest.objects.filter(area.scope("community"))
        .filter(was_accepted | was_signed)
        .annotate(accepted_month=TruncMonth("accepted_on"), signed_month=TruncMonth("signed_at"))
        .values("accepted_month", "signed_month")
        .annotate(a=Count("pk", filter=was_accepted), s=Count("pk", filter=was_signed))
        .order_by()
    ):
        accepted[row["accepted_month"]] += row["a"]
        month = row["signed_month"]
        signed[month.date() if isinstance(month, dt.datetime) else month] += row["s"]
    return accepted, signed


def monthly_figure(today: dt.date, accepted: Counter, signed: Counter) -> Figure:
    """Requests accepted and signed in each of the last twelve months (this month included)."""
    rows = [[m.strftime("%Y-%m"), accepted.get(m, 0), signed.get(m, 0)] for m in _months(today)]
    return Figure(
        key="monthly",
        title=_("月度趋势（近12个月）"),
        header=[_("月份"), _("受理"), _("签批")],
        rows=rows,
        chart=Chart(
            labels=[r[0][2:] for r in rows],
            series=[(_("受理"), [r[1] for r in rows]), (_("签批"), [r[2] for r in rows])],
            kind="columns",
        ),
    )


@dataclass
class Tally:
    """Everything a place's figures count, read from the database by `tally`; language-free (names of places and
    concepts are data), so one tally builds the figures of every language."""

    area: Area
    today: dt.date
    entries: list  # the resolver's concepts, which name the rows of the concept and timeliness figures
    per_place: dict[str, dict]
    monthly: tuple[Counter, Counter]
    concepts: list[dict]
    timeliness: list[dict]
    refusals: dict[str, list[dict]]
    supervision: dict[str, dict]


def tally(region: Region, *, today: dt.date | None = None) -> Tally:
    """Every database read behind a place's figures."""
    from catalog import resolver

    today = today or timezone.localdate()
    area = Area.of(region)
    per_place = request_counts(area, today)
    return Tally(
        area=area,
        today=today,
        entries=resolver.concepts(),
        per_place=per_place,
        monthly=monthly_counts(area, today),
        concepts=concept_rows(area),
        timeliness=timeliness_rows(area),
        refusals=selectors.refusal_counts(area.scope("community"), today.year),
        supervision=supervision_counts(area, per_place),
    )


def build(counts: Tally) -> dict[str, Figure]:
    """Every figure of a place's oversight area, by key (the order of the page), labelled in the active language;
    reads nothing from the database."""
    result = [
        area_figure(counts.area, counts.per_place),
        monthly_figure(counts.today, *counts.monthly),
        concept_figure(counts.concepts, counts.entries),
        timeliness_figure(counts.timeliness, counts.entries),
        *refusal_figures(counts.refusals, counts.today.year),
        supervision_figure(counts.area, counts.supervision),
    ]
    return {f.key: f for f in result}


def figures(region: Region, *, today: dt.date | None = None) -> tuple[Area, dict[str, Figure]]:
    """Every figure of a place's oversight area, by key (the order of the page)."""
    counts = tally(region, today=today)
    return counts.area, build(counts)

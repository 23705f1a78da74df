"""Certificate requests (证明申请), their events, deliberations, materials and commitments, and the register
(一事一登记登记簿).

A request moves through the states in certificates/workflow.py; only the workflow functions change its status.
Register entries, events and cancellations are permanent: the model refuses updates and deletes, and on
PostgreSQL a trigger refuses them too (migration 0002).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.idcard import mask_id_number
from portal.permanent import PermanentQuerySet, PermanentRecord, PermanentRecordError

__all__ = ["PermanentRecordError"]  # re-exported: callers catch it from here


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交待核实")
    AWAITING_SUPPLEMENT = "awaiting_supplement", _("待补正")
    VERIFIED = "verified", _("已核实")
    AWAITING_DELIBERATION = "awaiting_deliberation", _("待议事协商")
    AWAITING_SIGNATURE = "awaiting_signature", _("待主任签字")
    SIGNED = "signed", _("已签字登记")
    ISSUED = "issued", _("已出具")
    REJECTED = "rejected", _("不予出具")
    CANCELLED = "cancelled", _("登记已作废")
    WITHDRAWN = "withdrawn", _("已撤回")
    REVOKED = "revoked", _("已撤销")  # issued, then revoked by the director (the certificate verifies as revoked)


# Each language's state labels, made once per process: Django's get_status_display hashes every choice's lazy label
# (one translation each, a dozen per call) and lists call it on every row. Catalogues do not change while a process
# runs.
_STATUS_LABELS: dict[str | None, dict[str, str]] = {}


def status_label(status: str) -> str:
    """What get_status_display gives for a request state, in the active language."""
    language = get_language()
    labels = _STATUS_LABELS.get(language)
    if labels is None:
        labels = _STATUS_LABELS[language] = {value: str(label) for value, label in Status.choices}
    return labels.get(status, status)


class Channel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    COUNTER = "counter", _("窗口受理")


class VerificationMethod(models.TextChoices):
    DOCUMENT_CHECK = "document_check", _("查验证件和档案")
    HOME_VISIT = "home_visit", _("入户走访")
    DATA_SHARING = "data_sharing", _("部门数据共享核查")
    OTHER = "other", _("其他方式")


class IssuanceRule(models.TextChoices):
    """Under which rule a matter is certified (shown on the register line, derived from the request)."""

    LISTED = "listed", _("清单内")
    OUTSIDE_LISTS = "outside_lists", _("清单外据实出具")
    TRANSITIONAL = "transitional", _("过渡期例外（经区县批准）")


class CertificateRequest(models.Model):
    """One resident's request for one certificate, online or at the counter."""

    community = models.ForeignKey(
        "portal.Region", on_delete=models.PROTECT, related_name="certificate_requests", verbose_name=_("社区（村）")
    )
    item = models.ForeignKey(
        "catalog.IssuableItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("证明事项"),
    )
    item_version = models.PositiveBigIntegerField(_("事项版本"), null=True, blank=True)
    exceptional_name = models.CharField(_("清单外事项名称"), max_length=120, blank=True)
    status = models.CharField(_("状态"), max_length=24, choices=Status.choices, default=Status.DRAFT, db_index=True)
    channel = models.CharField(_("受理渠道"), max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificate_requests",
        verbose_name=_("申请人账号"),
    )
    applicant_name = models.CharField(_("申请人姓名"), max_length=50)
    applicant_id_number = models.CharField(_("申请人公民身份号码"), max_length=18)
    applicant_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    purpose = models.CharField(_("办理用途"), max_length=200)
    requesting_body = models.CharField(_("要求出具的单位"), max_length=200)
    requesting_body_ref = models.ForeignKey(
        "certificates.RequestingBody",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("登记的要求出具单位"),
    )
    requesting_basis = models.CharField(
        _("要求单位提出的依据"), max_length=300, help_text=_("要求出具证明的单位应当说明其法律法规或政策依据。")
    )
    field_values = models.JSONField(_("填写内容"), default=dict, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    due_date = models.DateField(_("办结期限"), null=True, blank=True)
    due_date_provisional = models.BooleanField(_("期限未按法定节假日核准"), default=False)
    paused_workdays = models.PositiveIntegerField(_("补正暂停工作日"), default=0)
    supplement_requested_on = models.DateField(_("要求补正日期"), null=True, blank=True)
    supplement_note = models.TextField(_("需补正的内容"), blank=True)
    verification_method = models.CharField(_("核实方式"), max_length=24, choices=VerificationMethod.choices, blank=True)
    verification_note = models.TextField(_("核实情况"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)
    rejection_reason = models.TextField(_("不予出具理由"), blank=True)
    exceptional = models.BooleanField(_("清单外据实出具"), default=False)
    exceptional_can_verify = models.TextField(_("社区能够核实的说明"), blank=True)
    exceptional_risk_assessment = models.TextField(_("风险评估"), blank=True)
    exceptional_precautions = models.TextField(_("预先防范措施"), blank=True)
    # 陕西通知 三: a listed (non-issuable) item certified while its county marks its alternative as not yet in place.
    transitional_item = models.ForeignKey(
        "catalog.NonIssuableItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("过渡期例外所涉不予出具事项"),
    )
    county_review_required = models.BooleanField(_("需区县复核"), default=False)
    county_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    county_reviewed_at = models.DateTimeField(_("区县复核时间"), null=True, blank=True)
    county_review_note = models.TextField(_("区县复核意见"), blank=True)
    county_review_approved = models.BooleanField(_("区县同意出具"), null=True, blank=True)
    post_check_required = models.BooleanField(_("需事后核查"), default=False)
    # Incremented by every transition; a form carries the value it was rendered with, so a stale or replayed
    # POST is detected and refused instead of acting twice.
    revision = models.PositiveIntegerField(_("修订号"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("证明申请")
        verbose_name_plural = _("证明申请")
        ordering = ["-created_at"]
        indexes = [
            # A community's queue by status, and oversight at province scale (certificates/oversight.py, the county
            # desk's counts): every column they read is carried in the index, so a county's 2–3% of a million requests
            # is read by an index-only scan (about 7,000 index pages) instead of one heap page per request
            # (15,000 pages per figure). PostgreSQL only; elsewhere a plain (community, status) index.
            models.Index(
                fields=["community", "status"],
                name="request_oversight_cover",
                include=[
                    "id",
                    "channel",
                    "item",
                    "accepted_on",
                    "signed_at",
                    "due_date",
                    "paused_workdays",
                    "exceptional",
                    "exceptional_name",
                    "county_review_approved",
                    "county_review_required",
                    "county_reviewed_at",
                    "post_check_required",
                    "requesting_body",
                    "requesting_body_ref",
                ],
            ),
            # "Overdue now" reads only the matters whose clock runs (workflow.OVERDUE_STATES, repeated here because
            # the workflow imports this module; tests/certificates/test_bulk_seed.py checks they agree), by due date;
            # changes since a time by updated_at, and what was accepted on a day by accepted_on.
            models.Index(
                fields=["due_date", "community"],
                name="request_overdue_due",
                condition=Q(status__in=["submitted", "verified", "awaiting_deliberation", "awaiting_signature"]),
            ),
            # The county desk's review list: exceptional matters awaiting the county, a handful among a million.
            models.Index(
                fields=["community"],
                name="request_awaiting_county_review",
                condition=Q(exceptional=True, county_review_required=True, county_reviewed_at__isnull=True),
            ),
            models.Index(fields=["updated_at"], name="request_updated_at"),
            models.Index(fields=["accepted_on", "community"], name="request_accepted_on"),
        ]
        constraints = [
            models.CheckConstraint(
                name="request_item_or_exceptional",
                condition=(Q(exceptional=False) & Q(item__isnull=False))
                | (Q(exceptional=True) & ~Q(exceptional_name="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.matter_name} · {self.applicant_name}"

    @property
    def matter_name(self) -> str:
        return self.item.name if self.item_id else self.exceptional_name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.applicant_id_number)

    @property
    def audit_subject(self) -> str:
        """How the personal-data audit trail names this request (in Chinese: the trail is a permanent record)."""
        return f"申请 {self.pk}：{self.matter_name}"

    def is_overdue(self, today: dt.date) -> bool:
        from certificates.workflow import OVERDUE_STATES  # the one classification of states, beside the table

        return self.due_date is not None and self.due_date < today and self.status in OVERDUE_STATES

    @property
    def post_check_due(self) -> bool:
        """Commitments replaced materials and the matter was signed (workflow.POST_CHECK_STATES): a withdrawn,
        rejected or revoked request has nothing to post-check."""
        from certificates.workflow import POST_CHECK_STATES  # the workflow imports this module

        return self.post_check_required and self.status in POST_CHECK_STATES

    @property
    def status_label(self) -> str:
        """get_status_display without re-translating every state's label (status_label above)."""
        return status_label(self.status)

    @property
    def status_tone(self) -> str:
        """The badge colour of the current state (certificates.workflow.STATES)."""
        from certificates.workflow import STATES

        return STATES[self.status].tone

    @property
    def awaiting_county(self) -> bool:
        """Waiting for the county's approval before the director may sign (certificates.workflow)."""
        from certificates.workflow import awaiting_county

        return awaiting_county(self)

    @property
    def issuance_rule(self) -> IssuanceRule:
        if not self.exceptional:
            return IssuanceRule.LISTED
        return IssuanceRule.TRANSITIONAL if self.transitional_item_id else IssuanceRule.OUTSIDE_LISTS


class RequestEvent(PermanentRecord):
    """One step in a request's life: who did what, when, from which state to which, and why."""

    request = models.ForeignKey(CertificateRequest, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("操作"), max_length=32)
    from_status = models.CharField(_("原状态"), max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=24, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    note = models.TextField(_("说明"), blank=True)

    objects = PermanentQuerySet.as_manager()

    @classmethod
    def record(cls, request: CertificateRequest, *, action: str, actor, note: str = "") -> RequestEvent:
        """An event that records something without moving the request (revocation, review, post-check)."""
        return cls.objects.create(
            request=request, action=action, from_status=request.status, to_status=request.status, actor=actor, note=note
        )

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status} → {self.to_status}"


class Deliberation(PermanentRecord):
    """A residents' deliberation (议事协商) recorded for a matter of public interest."""

    request = models.ForeignKey(CertificateRequest, on_delete=models.PROTECT, related_name="deliberations")
    held_on = models.DateField(_("会议日期"))
    place = models.CharField(_("地点"), max_length=200)
    participants = models.TextField(_("参加人员"))
    agreed = models.PositiveIntegerField(_("同意人数"))
    total = models.PositiveIntegerField(_("参会人数"))
    minutes = models.ForeignKey(
        "certificates.Attachment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("议事协商记录")
        verbose_name_plural = _("议事协商记录")
        constraints = [
            models.CheckConstraint(name="deliberation_agreed_le_total", condition=Q(agreed__lte=models.F("total"))),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.held_on} {self.agreed}/{self.total}"


class Attachment(PermanentRecord):
    """A file uploaded for a request (a material, a supplement, the minutes of a deliberation).

    Stored under a random name outside any public URL; served only through a view that checks access.
    """

    request = models.ForeignKey(CertificateRequest, on_delete=models.PROTECT, related_name="attachments")
    material = models.CharField(_("材料名称"), max_length=200)
    file = models.FileField(_("文件"), upload_to="requests/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class PendingUpload(models.Model):
    """A file a resident chose on an application that was sent back for correction: checked (by content, images
    re-encoded) and kept so that it need not be chosen again.

    Not a record: it belongs to one browser session of one user for one application form, is never served, is
    deleted when the application is submitted or the file is removed, and is cleaned up when abandoned
    (manage.py clean_pending_uploads)."""

    session_key = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    form_key = models.CharField(max_length=100)  # "<community code>/<item code>"
    material_index = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to="pending/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class CommitmentText(models.Model):
    """A versioned text of the notice-and-commitment (告知承诺) a resident confirms instead of a material."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    body = models.TextField(_("承诺书内容"))
    legal_warning = models.TextField(_("法律责任告知"))
    effective_from = models.DateField(_("生效日期"))

    class Meta:
        verbose_name = _("告知承诺书文本")
        verbose_name_plural = _("告知承诺书文本")
        ordering = ["-version"]

    def __str__(self) -> str:
        return gettext("告知承诺书第%(v)s版") % {"v": self.version}


class Commitment(PermanentRecord):
    """A resident's signed promise replacing one material; marked for a later post-check (事后核查)."""

    request = models.ForeignKey(CertificateRequest, on_delete=models.PROTECT, related_name="commitments")
    material = models.CharField(_("替代的材料"), max_length=200)
    text = models.ForeignKey(CommitmentText, on_delete=models.PROTECT, related_name="+")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("告知承诺")
        verbose_name_plural = _("告知承诺")

    def __str__(self) -> str:
        return f"{self.request_id}: {self.material}"


class NumberCounter(models.Model):
    """The last number used in a numbered series (the register, refusal notices) per community and year.

    Locked row-wise for the increment, inside the caller's transaction: a rollback gives the number back, so the
    series stays gapless.
    """

    REGISTER = "register"
    REFUSAL = "refusal"
    CRITICISM = "criticism"  # a county's series of criticisms (通报批评): the counter's place is the county

    community = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    series = models.CharField(max_length=16, default=REGISTER)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "year", "series"], name="number_counter_unique")]

    def __str__(self) -> str:
        return f"{self.community_id}/{self.year}/{self.series}: {self.last_number}"


class RegisterEntry(PermanentRecord):
    """One line of the register (一事一登记): created in the same transaction as the director's signature."""

    community = models.ForeignKey(
        "portal.Region", on_delete=models.PROTECT, related_name="register_entries", verbose_name=_("社区（村）")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveIntegerField(_("序号"))
    display_number = models.CharField(_("编号"), max_length=40)
    request = models.OneToOneField(
        CertificateRequest, on_delete=models.PROTECT, related_name="register_entry", verbose_name=_("申请")
    )
    registered_at = models.DateTimeField(_("登记时间"))
    applicant_name = models.CharField(_("申请人"), max_length=50)
    applicant_id_number = models.CharField(_("公民身份号码"), max_length=18)
    matter_name = models.CharField(_("证明事项"), max_length=120)
    item_version = models.PositiveBigIntegerField(_("事项版本"), null=True, blank=True)
    purpose = models.CharField(_("用途"), max_length=200)
    requesting_body = models.CharField(_("要求出具单位"), max_length=200)
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Signed by a deputy (代签) under the director's authorization (portal.models.DeputySigning): the director.
    deputy_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("代签（代主任）"),
    )
    exceptional = models.BooleanField(_("清单外据实出具"), default=False)
    # The certificate's text as signed (certificates/freeze.py): issuance prints it, never the item's current text.
    # Title, purpose and requesting body are the fields above. Entries signed before these columns existed have
    # has_frozen_text False and are printed from the item version recorded in item_version.
    certificate_addressee = models.CharField(_("证明抬头"), max_length=200, blank=True)
    certificate_body = models.TextField(_("证明正文"), blank=True)
    validity_months = models.PositiveSmallIntegerField(_("有效期（月）"), null=True, blank=True)
    has_frozen_text = models.BooleanField(_("签字时固定证明内容"), default=False)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("登记簿条目")
        verbose_name_plural = _("登记簿")
        ordering = ["community", "year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year", "number"], name="register_number_unique"),
            models.CheckConstraint(name="register_number_positive", condition=Q(number__gte=1)),
        ]
        # Departments' checks through the API find a person's certificates by the ID number they already hold.
        indexes = [models.Index(fields=["applicant_id_number"], name="register_entry_id_number")]

    def __str__(self) -> str:
        return self.display_number

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.applicant_id_number)


class RegisterCancellation(PermanentRecord):
    """Cancels a register entry; the entry keeps its number."""

    entry = models.OneToOneField(RegisterEntry, on_delete=models.PROTECT, related_name="cancellation")
    reason = models.TextField(_("作废理由"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("登记作废记录")
        verbose_name_plural = _("登记作废记录")

    def __str__(self) -> str:
        return f"{self.entry} ✗"


class RefusalNotice(PermanentRecord):
    """A numbered refusal-and-referral notice (不予出具告知单) for a non-issuable item; counted for oversight."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    community = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("catalog.NonIssuableItem", on_delete=models.PROTECT, related_name="refusals")
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    requesting_body = models.CharField(_("要求出具的单位"), max_length=200, blank=True)
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A numbered notice is issued to a signed-in resident or by staff at the counter, rendered once and stored
    # with its hash and a verification code, like a certificate. Rows from before this have no file.
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    code = models.CharField(_("核验码"), max_length=40, unique=True, null=True, blank=True)
    pdf = models.FileField(_("告知单文件"), upload_to="refusals/%Y/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("不予出具告知单")
        verbose_name_plural = _("不予出具告知单")
        constraints = [models.UniqueConstraint(fields=["community", "year", "number"], name="refusal_number_unique")]

    def __str__(self) -> str:
        return f"{self.community_id}/{self.year}/{self.number}"


class CountySwitch(PermanentRecord):
    """A county's switch with its history: each change is a new row, never edited, so who set what, when and why
    stays readable. The latest row is in force."""

    county = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("理由"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-set_at", "-id"]


class FourEyesWaiver(CountySwitch):
    """A county's decision to let a director sign what they verified themselves (villages with too few staff)."""

    community = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+")
    allowed = models.BooleanField(_("允许主任签批本人核实的事项"))

    class Meta(CountySwitch.Meta):
        verbose_name = _("四眼原则豁免")
        verbose_name_plural = _("四眼原则豁免")

    def __str__(self) -> str:
        return f"{self.community_id}: {self.allowed}"


class SupervisionPhoneChange(CountySwitch):
    """The county's supervision phone (监督电话) printed on its communities' notice boards: each change is a row of
    its history; the number in force is kept on the county's region (portal.models.Region.supervision_phone)."""

    phone = models.CharField(_("监督电话"), max_length=32, blank=True)

    class Meta(CountySwitch.Meta):
        verbose_name = _("监督电话设置记录")
        verbose_name_plural = _("监督电话设置记录")

    def __str__(self) -> str:
        return f"{self.county_id}: {self.phone}"


class IssuedCertificate(PermanentRecord):
    """The issued, sealed certificate: its PDF rendered once, stored with its SHA-256, never re-rendered."""

    entry = models.OneToOneField(
        RegisterEntry, on_delete=models.PROTECT, related_name="certificate", verbose_name=_("登记簿条目")
    )
    code = models.CharField(_("核验码"), max_length=40, unique=True)
    pdf = models.FileField(_("证明文件"), upload_to="certificates/%Y/")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    issued_at = models.DateTimeField(_("出具时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    seal_use = models.OneToOneField("seals.SealUse", on_delete=models.PROTECT, related_name="certificate")
    demo = models.BooleanField(_("演示文件"), default=False)
    paper = models.BooleanField(_("纸质出具"), default=False)
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    # Paper issuance: the stub (存根) for the community's file, rendered with the certificate and stored beside it.
    stub_pdf = models.FileField(_("存根"), upload_to="certificates/stubs/%Y/", blank=True)
    stub_sha256 = models.CharField(max_length=64, blank=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("已出具证明")
        verbose_name_plural = _("已出具证明")

    def __str__(self) -> str:
        return self.entry.display_number

    @property
    def revocation_categories(self) -> list[tuple[str, str]]:
        """The choices of the director's revoke form (certificates/issuance/_certificate_panel.html)."""
        return RevocationCategory.choices

    def read_pdf(self) -> bytes:
        """The stored bytes, checked against the hash recorded at issuance."""
        import hashlib

        with self.pdf.open("rb") as handle:
            data = handle.read()
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise PermanentRecordError(gettext("证明文件与出具时的校验值不一致，文件可能被篡改。"))
        return data


class RevocationCategory(models.TextChoices):
    """What the verification page says about why a certificate was withdrawn; the written reason stays internal."""

    FALSE_COMMITMENT = "false_commitment", _("事后核查发现承诺不实")
    FACTS_CHANGED = "facts_changed", _("证明的事实发生变化")
    CONTENT_ERROR = "content_error", _("证明内容有误，已重新出具")
    APPLICANT_WITHDREW = "applicant_withdrew", _("申请人申请撤回")
    OTHER = "other", _("其他原因")


class CertificateRevocation(PermanentRecord):
    """The director's withdrawal of an issued certificate (撤销), e.g. after a post-check found a false commitment."""

    certificate = models.OneToOneField(IssuedCertificate, on_delete=models.PROTECT, related_name="revocation")
    category = models.CharField(
        _("撤销原因类别"), max_length=24, choices=RevocationCategory.choices, default=RevocationCategory.OTHER
    )
    reason = models.TextField(_("撤销理由"))
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("证明撤销记录")
        verbose_name_plural = _("证明撤销记录")

    def __str__(self) -> str:
        return f"{self.certificate} ✗"


class DownloadKind(models.TextChoices):
    FIRST = "first", _("首次下载（出具）")
    REPRINT = "reprint", _("补打")


class CertificateReprint(PermanentRecord):
    """The first download of an issued certificate (by anyone: it hands the certificate out) and every later staff
    download (a reprint) are logged; the holder's own later downloads are not reprints."""

    certificate = models.ForeignKey(IssuedCertificate, on_delete=models.PROTECT, related_name="reprints")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    # Rows written before the kind was recorded were all staff downloads, logged as reprints.
    kind = models.CharField(_("类别"), max_length=16, choices=DownloadKind.choices, default=DownloadKind.REPRINT)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("补打记录")
        verbose_name_plural = _("补打记录")

    def __str__(self) -> str:
        return f"{self.certificate} @ {self.at}"


class VerificationChannel(models.TextChoices):
    PAGE = "page", _("核验页面")
    FILE = "file", _("文件比对")
    PAYLOAD = "payload", _("二维码签名数据")
    API = "api", _("接口")


class VerificationRecord(PermanentRecord):
    """One check of a certificate by anyone (谁核验了我的证明): when, by which channel, and the client, masked."""

    certificate = models.ForeignKey(IssuedCertificate, on_delete=models.PROTECT, related_name="verifications")
    at = models.DateTimeField(_("核验时间"), auto_now_add=True)
    channel = models.CharField(_("核验方式"), max_length=16, choices=VerificationChannel.choices)
    client = models.CharField(_("核验方（已遮蔽）"), max_length=64)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("核验记录")
        verbose_name_plural = _("核验记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["certificate", "-at"], name="verification_by_certificate")]

    def __str__(self) -> str:
        return f"{self.certificate} {self.channel} @ {self.at}"


class CertificateReceipt(PermanentRecord):
    """The resident (or someone on their behalf) took the paper certificate: who, when, recorded by whom (领取登记)."""

    certificate = models.ForeignKey(IssuedCertificate, on_delete=models.PROTECT, related_name="receipts")
    taken_by = models.CharField(_("领取人"), max_length=50)
    on_behalf = models.BooleanField(_("代领"), default=False)
    copies = models.PositiveSmallIntegerField(_("领取份数"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("领取时间"), auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("领取登记")
        verbose_name_plural = _("领取登记")

    def __str__(self) -> str:
        return f"{self.certificate} → {self.taken_by}"


class PostCheckResult(models.TextChoices):
    CONFIRMED = "confirmed", _("承诺属实")
    FALSE = "false", _("承诺不实")


class PostCheck(PermanentRecord):
    """A post-check (事后核查) of the commitments that replaced materials. A later check is a new record."""

    request = models.ForeignKey(CertificateRequest, on_delete=models.PROTECT, related_name="post_checks")
    result = models.CharField(_("核查结果"), max_length=16, choices=PostCheckResult.choices)
    method = models.CharField(_("核查方式"), max_length=24, choices=VerificationMethod.choices)
    note = models.TextField(_("核查情况"))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("事后核查记录")
        verbose_name_plural = _("事后核查记录")
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.result}"


class CountyReviewGate(CountySwitch):
    """A county's switch: its review of exceptional (清单外) matters is a gate before the director signs, instead of
    a record after the fact."""

    gate = models.BooleanField(_("区县复核作为签字前置条件"))

    class Meta(CountySwitch.Meta):
        verbose_name = _("区县复核方式")
        verbose_name_plural = _("区县复核方式")

    def __str__(self) -> str:
        return f"{self.county_id}: {self.gate}"


class TransitionalGap(PermanentRecord):
    """A county's statement that a non-issuable item's alternative is not yet in place locally (政策暂时衔接不到位,
    陕西通知 三), for a period: only then may a community certify the facts on the exceptional path, with the
    county's approval. Setting or clearing is a new row; the latest row per county and item is in force."""

    county = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("catalog.NonIssuableItem", on_delete=models.PROTECT, related_name="+")
    not_in_place = models.BooleanField(_("替代途径尚未到位"))
    valid_from = models.DateField(_("起始日期"), null=True, blank=True)
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)
    note = models.TextField(_("说明"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("过渡期衔接不到位记录")
        verbose_name_plural = _("过渡期衔接不到位记录")
        ordering = ["-set_at", "-id"]

    def __str__(self) -> str:
        return f"{self.county_id}/{self.item_id}: {self.not_in_place}"

    def in_force(self, on: dt.date) -> bool:
        return (
            self.not_in_place
            and (self.valid_from is None or self.valid_from <= on)
            and (self.valid_until is None or on <= self.valid_until)
        )


class RetentionAction(models.TextChoices):
    ATTACHMENT_FILE_REMOVED = "attachment_file_removed", _("删除超过留存期限的附件文件")
    PERSONAL_DATA_CLEARED = "personal_data_cleared", _("清除超过留存期限的个人信息")


class RetentionRecord(PermanentRecord):
    """What `apply_retention` removed (数据留存), under which rule: the file of an attachment (its row stays as the
    record that the material was received) or personal-data fields of a finished request. Permanent."""

    request = models.ForeignKey(CertificateRequest, on_delete=models.PROTECT, related_name="retention_records")
    attachment = models.ForeignKey(
        Attachment, on_delete=models.PROTECT, null=True, blank=True, related_name="retention_records"
    )
    action = models.CharField(_("处理"), max_length=32, choices=RetentionAction.choices)
    fields = models.JSONField(_("清除的字段"), default=list, blank=True)
    rule_days = models.PositiveIntegerField(_("留存期限（天）"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("数据留存处理记录")
        verbose_name_plural = _("数据留存处理记录")
        ordering = ["at", "id"]
        constraints = [
            # A file is removed once; the row saying so is the proof.
            models.UniqueConstraint(
                fields=["attachment"], condition=Q(action="attachment_file_removed"), name="retention_file_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.action}"


class RequestingBodyKind(models.TextChoices):
    DEPARTMENT = "department", _("政府部门")
    BANK = "bank", _("银行等金融机构")
    SCHOOL = "school", _("学校")
    OTHER = "other", _("其他单位")


class RequestingBody(models.Model):
    """A body that asks residents for certificates (部门、银行、学校), kept by the county (versioned)."""

    county = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区县"))
    name = models.CharField(_("单位名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=RequestingBodyKind.choices)
    active = models.BooleanField(_("在用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("要求出具证明的单位")
        verbose_name_plural = _("要求出具证明的单位")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="requesting_body_unique_name")]

    def __str__(self) -> str:
        return self.name


class RequestingBasis(models.Model):
    """What a requesting body states as its basis for asking for one item's certificate (versioned)."""

    body = models.ForeignKey(RequestingBody, on_delete=models.PROTECT, related_name="bases")
    item = models.ForeignKey("catalog.IssuableItem", on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(_("依据"), max_length=300)
    active = models.BooleanField(_("在用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("要求单位的依据")
        verbose_name_plural = _("要求单位的依据")
        constraints = [models.UniqueConstraint(fields=["body", "item"], name="requesting_basis_unique")]

    def __str__(self) -> str:
        return f"{self.body}: {self.basis}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class NotificationDelivery(models.Model):
    """One message, by email or SMS, and what became of it (certificates/notifications.py): to an applicant about
    their request, or to a person appointed to a community post (the invitation of portal/appointments.py).

    States: pending → sent, or pending → (retried with growing waits) → failed after MAX_ATTEMPTS. A failed delivery
    is shown to staff on the request's page, or to the county's officers on the community's people page, who may send
    it again (back to pending). Never deleted.
    """

    request = models.ForeignKey(
        CertificateRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("申请"),
    )
    appointment = models.ForeignKey(
        "portal.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("任职记录"),
    )
    event = models.ForeignKey(
        RequestEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("事件")
    )
    channel = models.CharField(_("渠道"), max_length=8)  # portal.models.NotifyChannel
    address = models.CharField(_("接收号码或邮箱"), max_length=254)
    template = models.CharField(_("短信模板"), max_length=32, blank=True)
    params = models.JSONField(_("模板参数"), default=dict, blank=True)
    subject = models.CharField(_("邮件标题"), max_length=200, blank=True)
    body = models.TextField(_("邮件正文"), blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    last_error = models.CharField(_("最近一次失败原因"), max_length=500, blank=True)
    provider_id = models.CharField(_("服务商回执编号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知发送记录")
        verbose_name_plural = _("通知发送记录")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # about exactly one thing: a request or an appointment
            models.CheckConstraint(
                condition=Q(request__isnull=False, appointment__isnull=True)
                | Q(request__isnull=True, appointment__isnull=False),
                name="delivery_about_one_thing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id or self.appointment_id} · {self.channel} · {self.status}"

    def send_again(self) -> NotificationDelivery:
        """A failed delivery tried again now (for pages of apps that do not import this one, e.g. portal's)."""
        from certificates.notifications import send_again  # late: notifications imports these models

        return send_again(delivery=self)


# --- inspection and correction (督导检查 · 督促整改) --------------------------------------------------------------


class ChecklistItem(models.TextChoices):
    """What an inspection of a community looks at (陕西通知: 清单公开、登记、印章管理、事后核查)."""

    LISTS_PUBLISHED = "lists_published", _("清单在居民看得到的地方公开")
    REGISTER_VERIFIED = "register_verified", _("登记簿完整并经核对")
    SEAL_LEDGER = "seal_ledger", _("用印登记簿与出具的证明相符")
    KEEPER_NOT_APPROVER = "keeper_not_approver", _("印章保管人与用印审批人分离")
    NO_ABOLISHED = "no_abolished", _("未出具已取消的证明")
    POST_CHECKED = "post_checked", _("告知承诺事项已事后核查")


class CheckResult(models.TextChoices):
    MET = "met", _("符合")
    NOT_MET = "not_met", _("不符合")
    NOT_SEEN = "not_seen", _("未查看")


class Inspection(PermanentRecord):
    """One inspection of a community by a street or county officer: per checklist item what the system found
    before the visit and what the officer saw. A finding (不符合) gets a rectification deadline (Finding)."""

    community = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inspected_on = models.DateField(_("检查日期"))
    # [{"key": ChecklistItem, "system_ok": bool | None, "system_detail": str, "result": CheckResult, "note": str}]
    checklist = models.JSONField(_("检查项目"), default=list)
    summary = models.TextField(_("检查情况"), blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("督导检查记录")
        verbose_name_plural = _("督导检查记录")
        ordering = ["-inspected_on", "-id"]

    def __str__(self) -> str:
        return f"{self.community_id} @ {self.inspected_on}"


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    RESPONDED = "responded", _("已报整改情况")
    CLOSED = "closed", _("已销号")


class Finding(models.Model):
    """A checklist item found not met, to be corrected by a deadline (整改期限). Its status and deadline change
    only through certificates/inspections.py, each change with a FindingEvent; the finding itself is never deleted."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    community = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+")
    item = models.CharField(_("检查项目"), max_length=32, choices=ChecklistItem.choices)
    description = models.TextField(_("问题"))
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("检查发现的问题")
        verbose_name_plural = _("检查发现的问题")
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return f"{self.community_id}: {self.item}"

    def is_overdue(self, today: dt.date) -> bool:
        return self.status == FindingStatus.OPEN and self.deadline < today


class FindingEvent(PermanentRecord):
    """What happened to a finding: raised, the community's report of what it did, closed or reopened."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("说明"), blank=True)
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.finding_id}: {self.action}"


class Criticism(PermanentRecord):
    """A county's numbered criticism (通报批评) of a community: the document rendered once when issued, stored with
    its SHA-256 and never rendered again."""

    county = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区县"))
    community = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, null=True, blank=True, related_name="criticisms")
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveIntegerField(_("序号"))
    display_number = models.CharField(_("文号"), max_length=60)
    facts = models.TextField(_("问题事实"))
    requirement = models.TextField(_("整改要求"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("印发时间"))
    pdf = models.FileField(_("通报文件"), upload_to="criticisms/%Y/")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("通报批评")
        verbose_name_plural = _("通报批评")
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["county", "year", "number"], name="criticism_number_unique")]

    def __str__(self) -> str:
        return self.display_number

    def read_pdf(self) -> bytes:
        """The stored bytes, checked against the hash recorded when the criticism was issued."""
        import hashlib

        with self.pdf.open("rb") as handle:
            data = handle.read()
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise PermanentRecordError(gettext("通报文件与印发时的校验值不一致，文件可能被篡改。"))
        return data


# --- work-access (工作准入) ------------------------------------------------------------------------------------------


class AccessStatus(models.TextChoices):
    PENDING = "pending", _("待区县决定")
    APPROVED = "approved", _("准入")
    REFUSED = "refused", _("不予准入")


class WorkAccessApplication(models.Model):
    """A department's application to the county for communities to issue a new certificate (陕西通知 二(二)
    建立健全社区工作准入制度). Decided once by the county, with reasons; an approval becomes a draft issuable item
    that goes through the catalog's own publishing rules. The decision is public (county disclosure page)."""

    county = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区县"))
    department = models.ForeignKey(
        RequestingBody, on_delete=models.PROTECT, related_name="access_applications", verbose_name=_("申请部门")
    )
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    certificate_name = models.CharField(_("拟要求社区出具的证明"), max_length=120)
    legal_basis = models.TextField(_("法律依据"))
    why_not_self = models.TextField(_("部门不能自行核实的原因"))
    data_needed = models.TextField(_("所需信息"))
    frequency = models.CharField(_("预计频次"), max_length=200)
    submitted_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("状态"), max_length=16, choices=AccessStatus.choices, default=AccessStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    alternative = models.TextField(_("可替代的信息来源"), blank=True)
    draft_item = models.OneToOneField(
        "catalog.IssuableItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_application",
        verbose_name=_("形成的事项草稿"),
    )

    class Meta:
        verbose_name = _("工作准入申请")
        verbose_name_plural = _("工作准入申请")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.department}: {self.certificate_name}"


# --- public complaints (监督举报) -----------------------------------------------------------------------------------


class ComplaintKind(models.TextChoices):
    ABOLISHED_ASKED = "abolished_asked", _("单位索要已取消的证明")
    REFUSED_ISSUABLE = "refused_issuable", _("社区拒绝出具应当出具的证明")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("已受理")
    CHECKING = "checking", _("核查中")
    CLOSED = "closed", _("已办结")


class Complaint(models.Model):
    """A report from the public (监督举报), made without signing in, routed to the county of the community (or of the
    body). The reporter gets a lookup code once; only its SHA-256 is kept. The status changes only through
    certificates/complaints.py, each change with a permanent ComplaintEvent; the complaint is never deleted."""

    kind = models.CharField(_("举报类型"), max_length=20, choices=ComplaintKind.choices)
    county = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区县"))
    community = models.ForeignKey(
        "portal.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("社区")
    )
    requesting_body = models.CharField(_("要求出具证明的单位"), max_length=200, blank=True)
    requesting_body_ref = models.ForeignKey(
        RequestingBody, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    item_text = models.CharField(_("举报人填写的证明名称"), max_length=120)
    non_issuable_item = models.ForeignKey(
        "catalog.NonIssuableItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issuable_item = models.ForeignKey(
        "catalog.IssuableItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    details = models.TextField(_("经过"), blank=True)
    phone = models.CharField(_("联系电话"), max_length=11, blank=True)
    code_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    reply = models.TextField(_("答复"), blank=True)
    created_at = models.DateTimeField(_("举报时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("监督举报")
        verbose_name_plural = _("监督举报")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="complaint_names_what_it_is_about",
                condition=(Q(kind="abolished_asked") & ~Q(requesting_body="") & Q(non_issuable_item__isnull=False))
                | (Q(kind="refused_issuable") & Q(community__isnull=False) & Q(issuable_item__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk}: {self.item_text}"

    @property
    def masked_phone(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]}" if self.phone else ""

    @property
    def item(self):
        return self.non_issuable_item if self.kind == ComplaintKind.ABOLISHED_ASKED else self.issuable_item


class ComplaintEvent(PermanentRecord):
    """A complaint's submission and every change of its status, with the reply the reporter reads. Permanent."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, choices=ComplaintStatus.choices)
    reply = models.TextField(_("答复"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_status} → {self.to_status}"


# --- anomalies (异常预警) -------------------------------------------------------------------------------------------


class AlertRule(models.TextChoices):
    ITEM_SPIKE = "item_spike", _("单个社区某项证明激增")
    SEAL_OFF_HOURS = "seal_off_hours", _("非工作时间用印")
    MANY_CERTIFICATES = "many_certificates", _("同一人或同一户短期内多次开具证明")
    OWN_HOUSEHOLD = "own_household", _("签字人为本户申请签字")
    EXCEPTIONAL_SHARE = "exceptional_share", _("清单外事项占比超过区县标准")


class AlertSetting(PermanentRecord):
    """A county's thresholds for one alert rule (certificates/anomalies.py holds the defaults). Changing them is a new
    row; the latest row per county and rule is in force, the earlier ones are its history."""

    county = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区县"))
    rule = models.CharField(_("预警规则"), max_length=24, choices=AlertRule.choices)
    params = models.JSONField(_("阈值"))
    note = models.CharField(_("调整理由"), max_length=300)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警阈值")
        verbose_name_plural = _("预警阈值")
        ordering = ["-set_at", "-id"]

    def __str__(self) -> str:
        return f"{self.county_id}: {self.rule}"


class Alert(PermanentRecord):
    """One anomaly found by a rule for one subject (a community, a person, a household, a signer) in one period:
    created once by certificates/anomalies.py (the same rule, subject and period never twice) and never changed;
    the county's acknowledgement is its own permanent row."""

    county = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区县"))
    community = models.ForeignKey(
        "portal.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("社区")
    )
    rule = models.CharField(_("预警规则"), max_length=24, choices=AlertRule.choices)
    subject_key = models.CharField(max_length=120)
    subject_label = models.CharField(_("对象"), max_length=200)
    period = models.CharField(_("期间"), max_length=10)
    period_start = models.DateField()
    period_end = models.DateField()
    # What the rule found and the thresholds it applied: {"count": …, "baseline": …, "params": {…}, "refs": [...]}
    figures = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("异常预警")
        verbose_name_plural = _("异常预警")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "subject_key", "period"], name="alert_once_per_subject_period")
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.subject_label} · {self.period}"


class AlertAcknowledgement(PermanentRecord):
    """The county's acknowledgement of an alert, with what it found or did. Once per alert; permanent."""

    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="acknowledgement")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("处理说明"))
    at = models.DateTimeField(auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警确认")
        verbose_name_plural = _("预警确认")

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.actor_id}"


class SigningKey(PermanentRecord):
    """A community's PAdES signing key, certified by the county CA (certificates/pades.py). The private key is a file
    outside the repository and the database; this row records that it was issued, by whom, and its certificate's
    serial number and fingerprint, so that the county can list, compare and revoke keys."""

    community = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="signing_keys")
    serial = models.CharField(_("证书序列号"), max_length=40, unique=True)  # hex, as in the CRL
    fingerprint = models.CharField(_("证书指纹（SHA-256）"), max_length=64)
    not_before = models.DateTimeField(_("生效时间"))
    not_after = models.DateTimeField(_("到期时间"))
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    # None: issued without a person, by `manage.py make_county_ca` or automatically at the community's first issuance
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("社区签名密钥")
        verbose_name_plural = _("社区签名密钥")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.community_id} {self.serial}"


class KeyRevocationReason(models.TextChoices):
    """Why the county revoked a signing key; the names of RFC 5280's reason codes, which the CRL carries."""

    KEY_COMPROMISE = "key_compromise", _("密钥泄露或疑似泄露")
    SUPERSEDED = "superseded", _("已由新密钥替换")
    AFFILIATION_CHANGED = "affiliation_changed", _("社区名称或隶属关系变更")
    CESSATION = "cessation", _("社区撤销或停止出具证明")


class SigningKeyRevocation(PermanentRecord):
    """The county's revocation of a community's signing key (吊销): from `revoked_at` on, a signature made with the key
    is not valid; one the register shows was made before stays valid (certificates/pades.py)."""

    key = models.OneToOneField(SigningKey, on_delete=models.PROTECT, related_name="revocation")
    category = models.CharField(_("吊销原因类别"), max_length=24, choices=KeyRevocationReason.choices)
    reason = models.TextField(_("吊销理由"))
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Whole seconds, as the CRL carries them (X.509 time): the record and the list never disagree.
    revoked_at = models.DateTimeField(_("吊销时间"))

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("签名密钥吊销记录")
        verbose_name_plural = _("签名密钥吊销记录")

    def __str__(self) -> str:
        return f"{self.key} ✗"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ExportJob(models.Model):
    """A large export (the register of a year, an oversight table) rendered by a worker into the private file storage
    (certificates/exportjobs.py), downloaded later through an access-checked view by the person who asked.

    States: queued → running → done, or → failed (the person may retry: back to queued). Keyed: the same person, the
    same export and the same data on the same day give the same row, so a double click or a retried task renders
    once. Not a record: the file and the row go when `expires_at` passes (the sweep, settings.CELERY_BEAT_SCHEDULE).
    """

    key = models.CharField(_("键"), max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("导出类别"), max_length=16)  # exportjobs.KINDS
    params = models.JSONField(_("导出参数"), default=dict)
    title = models.CharField(_("名称"), max_length=200)
    filename = models.CharField(_("文件名"), max_length=120)
    status = models.CharField(_("状态"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    file_name = models.CharField(_("存储名"), max_length=200, blank=True)
    error = models.CharField(_("失败原因"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"

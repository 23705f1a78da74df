"""Seals (印章), their keepers, and the seal ledger (用印登记簿).

Policy (Shaanxi notice 五(三)): the director is first responsible for the seal; one named keeper applies it; the
person who approved a use and the keeper who applies it are never the same; nothing is stamped without approval;
every use is logged. The ledger is permanent. This app knows the document it stamped (a register entry, named by
its "app.Model" string) but not the request workflow.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.permanent import PermanentQuerySet, PermanentRecord, PermanentRecordError


class SealKind(models.TextChoices):
    OFFICIAL = "official", _("公章")
    CERTIFICATE = "certificate", _("证明专用章")
    OTHER = "other", _("其他印章")


class SealStatus(models.TextChoices):
    IN_USE = "in_use", _("在用")
    RETIRED = "retired", _("已停用")
    LOST = "lost", _("已遗失")


LedgerRecordError = PermanentRecordError  # the seal ledger's name for the shared permanence error


class Seal(models.Model):
    """A registered seal of a community, with its impression image and its one keeper."""

    community = models.ForeignKey(
        "portal.Region", on_delete=models.PROTECT, related_name="seals", verbose_name=_("社区（村）")
    )
    name = models.CharField(_("印章名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=SealKind.choices, default=SealKind.CERTIFICATE)
    impression = models.FileField(_("印模图像"), upload_to="seals/", blank=True)
    is_specimen = models.BooleanField(
        _("样章"), default=False, help_text=_("演示数据的印章，盖出的文件带有“样章”字样，不具效力。")
    )
    status = models.CharField(_("状态"), max_length=16, choices=SealStatus.choices, default=SealStatus.IN_USE)
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    status_reason = models.CharField(_("状态变更原因"), max_length=200, blank=True)
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="kept_seals", verbose_name=_("保管人")
    )
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("印章")
        verbose_name_plural = _("印章")
        ordering = ["community", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def usable(self) -> bool:
        return self.status == SealStatus.IN_USE


class SealHandover(PermanentRecord):
    """A seal handed from one keeper to another (交接), with who ordered it."""

    seal = models.ForeignKey(Seal, on_delete=models.PROTECT, related_name="handovers")
    from_keeper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_keeper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("印章交接记录")
        verbose_name_plural = _("印章交接记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.seal}: {self.from_keeper} → {self.to_keeper}"


class DocumentKind(models.TextChoices):
    CERTIFICATE = "certificate", _("证明")
    OTHER = "other", _("其他文件")


class SealUse(PermanentRecord):
    """One application of a seal: one row of the seal ledger."""

    seal = models.ForeignKey(Seal, on_delete=models.PROTECT, related_name="uses", verbose_name=_("印章"))
    document_kind = models.CharField(_("文件类型"), max_length=16, choices=DocumentKind.choices)
    document_title = models.CharField(_("用印事由（文件名称）"), max_length=200)
    register_entry = models.OneToOneField(
        "certificates.RegisterEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="seal_use",
        verbose_name=_("登记簿条目"),
    )
    use_request = models.OneToOneField(
        "seals.SealUseRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="seal_use"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("批准人")
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("用印人（保管人）")
    )
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    at = models.DateTimeField(_("用印时间"), auto_now_add=True)

    objects = PermanentQuerySet.as_manager()

    class Meta:
        verbose_name = _("用印登记")
        verbose_name_plural = _("用印登记簿")
        ordering = ["-at", "-id"]
        # Oversight counts seal uses for documents other than certificates; at province scale almost every use is a
        # certificate's, so the count reads a partial index of the others.
        indexes = [
            models.Index(fields=["seal"], name="seal_use_other_documents", condition=~Q(document_kind="certificate"))
        ]
        constraints = [
            # 印章使用审批人与保管人不得为同一人 (Shaanxi notice 五(三)), in the database too.
            models.CheckConstraint(name="seal_use_approver_not_keeper", condition=~Q(approved_by=F("applied_by"))),
            models.CheckConstraint(name="seal_use_copies_positive", condition=Q(copies__gte=1)),
            models.CheckConstraint(
                name="seal_use_certificate_has_entry",
                condition=(Q(document_kind=DocumentKind.CERTIFICATE) & Q(register_entry__isnull=False))
                | (Q(document_kind=DocumentKind.OTHER) & Q(use_request__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seal} · {self.document_title}"


class UseRequestStatus(models.TextChoices):
    PENDING = "pending", _("待批准")
    APPROVED = "approved", _("已批准待用印")
    REFUSED = "refused", _("不予批准")
    APPLIED = "applied", _("已用印")


class SealUseRequest(models.Model):
    """A request to seal a document that is not a certificate: asked with a reason, approved by the director,
    applied by the keeper — through the same ledger."""

    community = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="+")
    seal = models.ForeignKey(Seal, on_delete=models.PROTECT, related_name="use_requests", verbose_name=_("印章"))
    document_title = models.CharField(_("文件名称"), max_length=200)
    reason = models.TextField(_("用印事由"))
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    status = models.CharField(max_length=16, choices=UseRequestStatus.choices, default=UseRequestStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("用印申请")
        verbose_name_plural = _("用印申请")
        ordering = ["-requested_at"]
        constraints = [models.CheckConstraint(name="seal_request_copies_positive", condition=Q(copies__gte=1))]

    def __str__(self) -> str:
        return self.document_title

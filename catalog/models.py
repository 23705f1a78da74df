"""The two catalogs: issuable items (出具证明事项清单) and non-issuable items (不予出具证明事项清单).

Each item belongs to a scope: national, or a province, city or county region. A community's effective catalog is
the published, in-force items of the nation and of every place above it (catalog/selectors.py). Items are
versioned with django-simple-history; a published item is never deleted, only retired with an end date.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from catalog import rules
from portal.models import Region
from portal.permanent import PermanentRecord
from portal.regions import CommunityKind, Level


class Scope(models.TextChoices):
    NATIONAL = "national", _("全国")
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


SCOPE_LEVEL: dict[str, str] = {Scope.PROVINCE: Level.PROVINCE, Scope.CITY: Level.CITY, Scope.COUNTY: Level.COUNTY}


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class AppliesTo(models.TextChoices):
    ALL = "all", _("社区和村")
    RESIDENTS_COMMITTEE = CommunityKind.RESIDENTS_COMMITTEE.value, _("仅社区居民委员会")
    VILLAGERS_COMMITTEE = CommunityKind.VILLAGERS_COMMITTEE.value, _("仅村民委员会")


class PublishedItemDeletion(ValidationError):
    pass


class CatalogItemQuerySet(models.QuerySet):
    def in_force(self, on: dt.date | None = None) -> CatalogItemQuerySet:
        on = on or timezone.localdate()
        return self.filter(status=Status.PUBLISHED, effective_from__lte=on).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=on)
        )

    def delete(self):  # noqa: D102 - the rule is stated in the error
        if self.filter(status=Status.PUBLISHED).exists():
            raise PublishedItemDeletion(gettext("已发布的事项不能删除，只能设置截止日期予以废止。"))
        return super().delete()


class CatalogItem(models.Model):
    """Fields shared by both catalogs."""

    code = models.CharField(
        _("事项编码"), max_length=32, unique=True, error_messages={"unique": _("该事项编码已被使用，请换一个。")}
    )
    name = models.CharField(_("事项名称"), max_length=120)
    scope = models.CharField(_("适用范围"), max_length=16, choices=Scope.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("制定地方"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("全国清单不填；省、市、县清单填对应的行政区划。"),
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateField(_("生效日期"), default=timezone.localdate)
    effective_to = models.DateField(_("截止日期"), null=True, blank=True)
    purposes = models.JSONField(_("办理用途"), default=list, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = CatalogItemQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_prefix(self) -> str:
        return self.region.prefix if self.region_id else ""

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def is_in_force(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (
            self.is_published and self.effective_from <= on and (self.effective_to is None or self.effective_to >= on)
        )

    @property
    def starts_later(self) -> bool:
        """Published, but in force only from a later date: announced with that date, never as in force now."""
        return self.is_published and self.effective_from > timezone.localdate()

    @property
    def is_retired(self) -> bool:
        return self.effective_to is not None and self.effective_to < timezone.localdate()

    def clean(self) -> None:
        if self.scope == Scope.NATIONAL and self.region_id:
            raise ValidationError({"region": gettext("全国清单的事项不属于任何地方。")})
        if self.scope != Scope.NATIONAL:
            if not self.region_id:
                raise ValidationError({"region": gettext("请选择制定该清单的地方。")})
            if self.region.level != SCOPE_LEVEL[self.scope]:
                raise ValidationError({"region": gettext("地方的层级与适用范围不一致。")})
        if self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": gettext("截止日期不能早于生效日期。")})
        self.check_name_conflict()

    def check_name_conflict(self) -> None:
        """One certificate may not be both issuable and non-issuable in any community's effective catalog, whatever it
        is called: names compare by meaning (catalog/resolver.py: spelling, modifiers, synonyms of one concept)."""
        from catalog import resolver

        other_model = NonIssuableItem if isinstance(self, IssuableItem) else IssuableItem
        mine = resolver.name_keys(self.name)
        entries = resolver.concepts()
        my_concept = resolver.concept_of_item(self, entries)
        today = timezone.localdate()
        candidates = other_model.objects.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))
        for other in candidates.select_related("region"):
            if not rules.regions_overlap(self.scope_prefix, other.scope_prefix):
                continue
            same_name = bool(resolver.name_keys(other.name) & mine)
            same_concept = my_concept is not None and resolver.concept_of_item(other, entries) == my_concept
            if not (same_name or same_concept):
                continue
            values = {
                "name": self.name,
                "other": other.name,
                "place": other.region.name if other.region_id else gettext("全国"),
                "list": other._meta.verbose_name,
                "code": other.code,
            }
            if rules.normalize_name(other.name) == rules.normalize_name(self.name):
                message = gettext("“%(name)s”已在%(place)s的%(list)s中（%(code)s），同一事项不能同时列入两个清单。")
            else:
                message = gettext(
                    "“%(name)s”就是%(place)s的%(list)s“%(other)s”（%(code)s），同一事项不能同时列入两个清单。"
                )
            message %= values
            if isinstance(other, NonIssuableItem):
                message += gettext("群众应到：%(department)s；办理途径：%(channel)s。") % {
                    "department": other.alternative_department,
                    "channel": other.alternative_channel,
                }
            raise ValidationError({"name": message})

    def delete(self, *args, **kwargs):
        if self.status == Status.PUBLISHED:
            raise PublishedItemDeletion(gettext("已发布的事项不能删除，只能设置截止日期予以废止。"))
        return super().delete(*args, **kwargs)


class IssuableItem(CatalogItem):
    """A certificate a community may issue, with its legal basis and office guide (办事指南)."""

    legal_bases = models.JSONField(
        _("法律法规或政策依据"),
        default=list,
        help_text=_("每项：文件名称、制定机关、文号、条款、生效日期；needs_confirmation 表示需由区县核实。"),
    )
    requesting_bodies = models.JSONField(_("要求出具的单位"), default=list, blank=True)
    materials = models.JSONField(_("申请材料"), default=list, blank=True)
    time_limit_workdays = models.PositiveSmallIntegerField(
        _("出具时限（工作日）"), default=0, help_text=_("0 表示当场办结。")
    )
    procedure = models.JSONField(_("办理流程"), default=list, blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("证明有效期（月）"), null=True, blank=True, help_text=_("不填表示不设有效期。")
    )
    requires_deliberation = models.BooleanField(
        _("须经居民议事协商"), default=False, help_text=_("涉及社区公共利益或多数居民切身利益的事项。")
    )
    involves_liability = models.BooleanField(
        _("涉及法律责任或经济连带责任"),
        default=False,
        help_text=_("此类证明不得由社区出具，不能列入可出具清单。"),
    )
    applies_to = models.CharField(_("适用组织"), max_length=24, choices=AppliesTo.choices, default=AppliesTo.ALL)
    fields = models.JSONField(_("居民填写的字段"), default=list, blank=True)
    body_template = models.TextField(_("证明正文"), help_text=_("用 {字段代码} 作占位符，例如 {applicant_name}。"))
    notes = models.TextField(_("备注"), blank=True)
    history = HistoricalRecords()

    class Meta(CatalogItem.Meta):
        verbose_name = _("可出具证明事项")
        verbose_name_plural = _("可出具证明事项清单")
        constraints = [
            # 陕西通知 二(一): a committee seal may never back legal or economic joint liability.
            models.CheckConstraint(
                name="issuable_no_liability",
                condition=Q(involves_liability=False),
                violation_error_message=_("涉及法律责任或经济连带责任的证明不能列入可出具清单。"),
            ),
            models.CheckConstraint(
                name="issuable_scope_region",
                condition=(Q(scope=Scope.NATIONAL) & Q(region__isnull=True))
                | (~Q(scope=Scope.NATIONAL) & Q(region__isnull=False)),
            ),
        ]

    def clean(self) -> None:
        # All rules at once, each message on its field: an officer fixes everything in one round.
        rules.collect(
            lambda: rules.check_no_liability(
                involves_liability=self.involves_liability,
                texts={"name": self.name, "body_template": self.body_template},
            ),
            lambda: rules.check_legal_bases(self.legal_bases),
            lambda: rules.check_fields_and_body(self.fields, self.body_template),
            lambda: rules.check_deliberation_not_asked(
                requires_deliberation=self.requires_deliberation, materials=self.materials
            ),
            super().clean,
        )

    @property
    def is_on_the_spot(self) -> bool:
        return self.time_limit_workdays == 0

    def sample_text(self) -> str:
        """The certificate body filled with example values: the form sample (证明式样) residents see. The examples come
        from the item itself (its own purposes and requesting bodies), never a purpose it does not have."""
        kind = self.applies_to if self.applies_to == AppliesTo.VILLAGERS_COMMITTEE else ""
        values = rules.sample_values(
            self.fields, purposes=self.purposes, requesting_bodies=self.requesting_bodies, community_kind=kind
        )
        return rules.render_body(rules.for_committee(self.body_template, kind), values)

    def bases_needing_confirmation(self) -> list[dict]:
        return [b for b in self.legal_bases if b.get("needs_confirmation")]


class NonIssuableItem(CatalogItem):
    """A certificate a community must refuse, and where the resident goes instead."""

    source_list = models.CharField(_("所属清单"), max_length=200)
    reason = models.TextField(_("不予出具的理由"), blank=True)
    alternative_department = models.CharField(_("办理部门"), max_length=300)
    alternative_channel = models.TextField(_("办事途径"))
    exception = models.TextField(_("例外情形"), blank=True)
    legal_basis = models.CharField(_("相关依据"), max_length=300, blank=True)
    needs_confirmation = models.BooleanField(
        _("办理途径待核实"), default=False, help_text=_("资料来源不确定，须由区县民政部门核实后确认。")
    )
    history = HistoricalRecords()

    class Meta(CatalogItem.Meta):
        verbose_name = _("不予出具证明事项")
        verbose_name_plural = _("不予出具证明事项清单")
        constraints = [
            models.CheckConstraint(
                name="nonissuable_scope_region",
                condition=(Q(scope=Scope.NATIONAL) & Q(region__isnull=True))
                | (~Q(scope=Scope.NATIONAL) & Q(region__isnull=False)),
            ),
        ]

    def clean(self) -> None:
        message = gettext("不予出具的事项必须写明办理部门和办事途径，不能让群众无处可去。")
        errors = {
            name: message
            for name in ("alternative_department", "alternative_channel")
            if not (getattr(self, name) or "").strip()
        }
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


# --- The vocabulary behind the name resolver and the liability guard (maintained by provincial officers) ----------


class CertificateConcept(models.Model):
    """What a certificate is, whatever people call it: 健在证明 is also 在世证明, 生存证明, 活着证明.

    Linked by item codes to the catalog items that carry it (national or local, either list), with the names people
    use and the words by which a certificate body reveals it ('现仍健在'). catalog/resolver.py reads these rows; they
    are data, versioned, maintained by provincial officers and seeded for the national list by a data migration.
    """

    name = models.CharField(
        _("概念名称"),
        max_length=60,
        unique=True,
        error_messages={"unique": _("已有同名的证明概念。")},
        help_text=_("例如“健在”“无犯罪记录”。"),
    )
    item_codes = models.JSONField(_("对应的清单事项编码"), default=list, blank=True)
    names = models.JSONField(_("群众常用的叫法"), default=list, blank=True)
    body_keywords = models.JSONField(_("证明正文关键词"), default=list, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("证明概念")
        verbose_name_plural = _("证明概念和同义词")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        rules.collect(
            lambda: rules.check_concept_lists(self.names, self.body_keywords, self.item_codes),
            self.check_name_collision,
        )

    def check_name_collision(self) -> None:
        """A name may mean only one concept, or the resolver could not tell which one was meant."""
        from catalog.resolver import name_keys

        mine = {key: text for text in [self.name, *self.names] for key in name_keys(text)}
        for other in CertificateConcept.objects.exclude(pk=self.pk):
            for text in [other.name, *other.names]:
                for key in name_keys(text):
                    if key in mine:
                        raise ValidationError(
                            {
                                "names": gettext("“%(name)s”已是证明概念“%(other)s”的叫法，一个叫法只能对应一个概念。")
                                % {"name": mine[key], "other": other.name}
                            }
                        )


class LiabilityPhrase(models.Model):
    """A phrase that reveals legal or economic liability (担保、连带责任、承担…责任): catalog/liability.py refuses it in
    any text that can end under a committee seal. '…' is the only wildcard (up to a dozen characters)."""

    phrase = models.CharField(
        _("短语"),
        max_length=60,
        unique=True,
        error_messages={"unique": _("该短语已在列表中。")},
        help_text=_("例如“担保”“承担…责任”。省略号“…”表示中间可以有不超过12个字。"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["phrase"]
        verbose_name = _("责任用语")
        verbose_name_plural = _("责任用语清单")

    def __str__(self) -> str:
        return self.phrase

    def clean(self) -> None:
        from catalog.textnorm import validate_pattern

        try:
            validate_pattern(self.phrase)
        except ValidationError as error:
            raise ValidationError({"phrase": error.messages}) from None


# --- Decisions recorded on items: the province's review of a name near a non-issuable item, a county's confirmation


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("等待省级审核")
    APPROVED = "approved", _("省级同意发布")
    REFUSED = "refused", _("省级不同意发布")


class NameReview(models.Model):
    """A provincial officer's decision on publishing an issuable item whose name is close to a non-issuable one.

    The county asks (with its reason), the province approves or refuses (with its reason). The approval holds for the
    name it was asked for: a renamed item needs a new review. States: pending → approved | refused.
    """

    item = models.ForeignKey(IssuableItem, on_delete=models.PROTECT, related_name="name_reviews")
    name = models.CharField(_("事项名称"), max_length=120)
    resembles = models.JSONField(_("相近的不予出具事项"), default=list)
    score = models.PositiveSmallIntegerField(_("相似度"), default=0)
    request_note = models.TextField(_("区县说明"))
    requested_by = models.ForeignKey(
        "portal.User", verbose_name=_("提请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("提请时间"), auto_now_add=True)
    status = models.CharField(_("审核状态"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    decided_by = models.ForeignKey(
        "portal.User", verbose_name=_("审核人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("名称相近事项的省级审核")
        verbose_name_plural = _("名称相近事项的省级审核")
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="pending"), name="one_pending_name_review_per_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class BasisConfirmation(PermanentRecord):
    """A county's confirmation that an item's unconfirmed basis or referral (待区县核实) holds: who, when, what.

    For the county's own item the flags are cleared on the item in the same step (a new version of the item); for a
    national or higher item the confirmation holds for that county only.
    """

    issuable = models.ForeignKey(
        IssuableItem, null=True, blank=True, on_delete=models.PROTECT, related_name="confirmations"
    )
    non_issuable = models.ForeignKey(
        NonIssuableItem, null=True, blank=True, on_delete=models.PROTECT, related_name="confirmations"
    )
    region = models.ForeignKey(Region, verbose_name=_("核实地方"), on_delete=models.PROTECT, related_name="+")
    confirmed = models.JSONField(_("核实的内容"), default=list)
    note = models.TextField(_("核实说明"))
    confirmed_by = models.ForeignKey(
        "portal.User", verbose_name=_("核实人"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("核实时间"), auto_now_add=True)

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        verbose_name = _("依据核实记录")
        verbose_name_plural = _("依据核实记录")
        constraints = [
            models.CheckConstraint(
                name="confirmation_one_item",
                condition=(Q(issuable__isnull=False) & Q(non_issuable__isnull=True))
                | (Q(issuable__isnull=True) & Q(non_issuable__isnull=False)),
            ),
        ]

    @property
    def item(self) -> CatalogItem:
        return self.issuable or self.non_issuable

"""People and places: administrative regions, users, and the memberships that bind a role to a place.

What a user may see and change follows from these memberships alone (see portal/access.py).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.idcard import mask_id_number, normalize_id_number, validate_id_number
from portal.permanent import PermanentRecord
from portal.regions import CommunityKind, Level, code_prefix, parent_level
from portal.roles import ROLE_LEVEL, Role

statistical_code_validator = RegexValidator(r"^\d{12}$", _("统计用区划代码应为12位数字。"))
phone_validator = RegexValidator(r"^1\d{10}$", _("请输入11位手机号码。"))


class Region(models.Model):
    """An administrative division, from the province down to a community (居委会) or village (村委会)."""

    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    code = models.CharField(_("统计用区划代码"), max_length=12, unique=True, validators=[statistical_code_validator])
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    community_kind = models.CharField(_("组织类型"), max_length=24, choices=CommunityKind.choices, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    address = models.CharField(_("办公地址"), max_length=200, blank=True)
    number_prefix = models.CharField(
        _("证明编号字头"), max_length=8, blank=True, help_text=_("如“雁证”，用于登记簿编号。")
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="region_kind_only_for_community",
                condition=(Q(level=Level.COMMUNITY) & ~Q(community_kind=""))
                | (~Q(level=Level.COMMUNITY) & Q(community_kind="")),
            ),
            models.CheckConstraint(
                name="region_root_is_province",
                condition=(Q(level=Level.PROVINCE) & Q(parent__isnull=True))
                | (~Q(level=Level.PROVINCE) & Q(parent__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        expected = parent_level(self.level) if self.level else None
        if self.parent_id and self.parent.level != expected:
            raise ValidationError({"parent": _("上级区划的层级不正确。")})
        if self.parent_id and self.code and not self.code.startswith(self.parent.prefix):
            raise ValidationError({"code": _("区划代码应以上级区划代码的前缀开头。")})

    @property
    def prefix(self) -> str:
        return code_prefix(self.level, self.code)

    @property
    def is_community(self) -> bool:
        return self.level == Level.COMMUNITY

    def ancestors(self) -> list[Region]:
        """This region's parents from the nearest upwards (at most four queries; regions are few levels deep)."""
        chain: list[Region] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def ancestor_at(self, level: str) -> Region | None:
        if self.level == level:
            return self
        return next((r for r in self.ancestors() if r.level == level), None)

    def full_name(self) -> str:
        return "".join(r.name for r in reversed([self, *self.ancestors()]))

    def committee_name(self) -> str:
        """The committee's full legal name, as cut into its seal (e.g. 雁塔区小寨路街道育才路社区居民委员会): the county
        and the street before the committee's own name, which ends in 社区居民委员会 or 村民委员会."""
        name = self.name
        if self.community_kind == CommunityKind.VILLAGERS_COMMITTEE:
            if not name.endswith(("村民委员会", "村委会")):
                name += "民委员会" if name.endswith("村") else "村民委员会"
        elif self.community_kind == CommunityKind.RESIDENTS_COMMITTEE:
            if not name.endswith(("居民委员会", "居委会")):
                name += "居民委员会" if name.endswith("社区") else "社区居民委员会"
        uppers = [r.name for r in reversed(self.ancestors()) if r.level in (Level.COUNTY, Level.STREET)]
        return "".join(upper for upper in uppers if not name.startswith(upper)) + name

    def descendants(self, level: str | None = None) -> models.QuerySet[Region]:
        qs = Region.objects.filter(code__startswith=self.prefix).exclude(pk=self.pk)
        return qs.filter(level=level) if level else qs


class CommunityManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(level=Level.COMMUNITY)


class Community(Region):
    """A residents' or villagers' committee: the region level that issues certificates."""

    objects = CommunityManager()

    class Meta:
        proxy = True
        verbose_name = _("社区（村）")
        verbose_name_plural = _("社区（村）")


class PortalUserManager(UserManager):
    pass


class User(AbstractUser):
    """A person using the portal. Signs in with username or phone number."""

    real_name = models.CharField(_("真实姓名"), max_length=50, blank=True)
    phone = models.CharField(
        _("手机号码"), max_length=11, blank=True, null=True, unique=True, validators=[phone_validator]
    )
    id_number = models.CharField(_("公民身份号码"), max_length=18, blank=True, validators=[validate_id_number])

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.real_name or self.username

    def clean(self) -> None:
        super().clean()
        if self.id_number:
            self.id_number = normalize_id_number(self.id_number)
        if self.phone == "":
            self.phone = None

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def display_name(self) -> str:
        return self.real_name or self.username

    @property
    def masked_phone(self) -> str:
        """138****0001: enough for an officer to recognise the person, not enough to call a stranger."""
        return f"{self.phone[:3]}****{self.phone[-4:]}" if self.phone else ""


class Membership(models.Model):
    """Binds one role to one place for one user: a resident of a community, a county officer of a county…"""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("用户"))
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("地方"))
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("角色绑定")
        verbose_name_plural = _("角色绑定")
        constraints = [models.UniqueConstraint(fields=["user", "role", "region"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region}"

    def clean(self) -> None:
        if self.region_id and self.role and self.region.level != ROLE_LEVEL[self.role]:
            raise ValidationError({"region": _("该角色只能绑定到相应层级的地方。")})


class AuditAction(models.TextChoices):
    VIEW_ID_NUMBER = "view_id_number", _("查看完整身份证号")
    VIEW_PHONE = "view_phone", _("查看完整手机号")
    EXPORT = "export", _("导出")
    DOWNLOAD = "download", _("下载附件或证明")


class AuditEntry(PermanentRecord):
    """Who saw or took personal data: a full ID or phone number on screen, an export, a file download.

    Permanent (never changed or deleted; on PostgreSQL a trigger refuses too). `region` is the community whose data
    it was, so that the county officer reads the rows of their county.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey("User", on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人"))
    action = models.CharField(_("操作"), max_length=24, choices=AuditAction.choices)
    subject = models.CharField(_("对象"), max_length=200)
    path = models.CharField(_("地址"), max_length=300)
    client_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("所属地方")
    )

    class Meta:
        verbose_name = _("个人信息访问记录")
        verbose_name_plural = _("个人信息访问记录")
        ordering = ["-at", "-pk"]


class LoginLockout(PermanentRecord):
    """One sign-in lockout: an account (as typed, normalised) and a client address that failed too often.

    Written when django-axes locks the pair out (portal/lockout.py); its own counters (axes.AccessAttempt) are
    deleted when the cool-off ends, this record stays so the supervising officer can see who was attacked when.
    """

    class Step(models.TextChoices):
        PASSWORD = "password", _("密码")
        CODE = "code", _("动态验证码")

    account = models.ForeignKey(
        User,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="login_lockouts",
        help_text=_("输入的用户名或手机号对应的账号；不存在的账号为空。"),
    )
    identifier = models.CharField(_("登录名"), max_length=255)
    ip_address = models.GenericIPAddressField(_("客户端地址"), null=True, blank=True)
    step = models.CharField(_("环节"), max_length=16, choices=Step.choices, default=Step.PASSWORD)
    failures = models.PositiveIntegerField(_("失败次数"))
    locked_at = models.DateTimeField(_("锁定时间"), db_index=True)
    locked_until = models.DateTimeField(_("解除时间"))

    class Meta:
        verbose_name = _("登录锁定记录")
        verbose_name_plural = _("登录锁定记录")
        ordering = ["-locked_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.identifier} · {self.ip_address or '-'} · {self.locked_at:%Y-%m-%d %H:%M}"

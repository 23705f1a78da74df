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
    # A county's civil-affairs supervision line, printed on every notice board of its communities (公示监督电话):
    # residents report a demand for a certificate outside the list to it.
    supervision_phone = models.CharField(
        _("监督电话"), max_length=32, blank=True, help_text=_("区县民政部门受理证明事项投诉和监督的电话。")
    )
    number_prefix = models.CharField(
        _("证明编号字头"), max_length=8, blank=True, help_text=_("如“雁证”，用于登记簿编号。")
    )
    # A code that disappeared from the statistical division list (portal/regions_import.py): kept, never deleted,
    # because requests, register entries and memberships keep pointing at it.
    retired_on = models.DateField(_("撤销日期"), null=True, blank=True)

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


class NotifyChannel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")


class PortalUserManager(UserManager):
    pass


class User(AbstractUser):
    """A person using the portal. Signs in with username or phone number."""

    real_name = models.CharField(_("真实姓名"), max_length=50, blank=True)
    phone = models.CharField(
        _("手机号码"), max_length=11, blank=True, null=True, unique=True, validators=[phone_validator]
    )
    id_number = models.CharField(_("公民身份号码"), max_length=18, blank=True, validators=[validate_id_number])
    notify_channel = models.CharField(
        _("通知方式"), max_length=8, choices=NotifyChannel.choices, default=NotifyChannel.SMS
    )
    closed_at = models.DateTimeField(_("注销时间"), null=True, blank=True)

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
    # An appointment's dates (portal/appointments.py): the role counts only from starts_on to ends_on, inclusive.
    starts_on = models.DateField(_("任职起始日"), null=True, blank=True)
    ends_on = models.DateField(_("任职截止日"), null=True, blank=True)
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
    RESET_SECOND_FACTOR = "reset_second_factor", _("重置验证器")


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


class ApiScope(models.TextChoices):
    """What a department's key may do. Public reads (catalogs, verification by code) need no key."""

    CHECK_CERTIFICATE = "check_certificate", _("核验某份证明是否有效、是否证明该事项和本人")
    CHECK_HOLDER = "check_holder", _("查询居民是否持有某事项的有效证明")
    READ_AUDIT = "read_audit", _("查阅本部门密钥的调用记录")


class ApiKey(models.Model):
    """A department's key to the API (portal/apikeys.py). Only the SHA-256 of the token is stored; the token is shown
    once at creation. `region` is the county (or province) that issued the key: it manages it, reads its calls, and
    the key reaches only certificates of communities in that region."""

    department = models.CharField(_("使用部门"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("发放地方"))
    prefix = models.CharField(_("密钥标识"), max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("权限范围"), default=list)
    rate_limit_per_minute = models.PositiveIntegerField(_("每分钟调用上限"), default=60)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("撤销人")
    )

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One live key per department and issuing place; rotating means revoking the old key first.
            models.UniqueConstraint(
                fields=["department", "region"], condition=Q(revoked_at__isnull=True), name="apikey_one_live_per_dept"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def scope_labels(self) -> list[str]:
        labels = dict(ApiScope.choices)
        return [str(labels.get(s, s)) for s in self.scopes]


class ApiCall(PermanentRecord):
    """One call made with a department's key: when, which operation, with what answer, and (for checks) the purpose
    and basis the department gave. Permanent; the issuing county reads them (portal/apikeys.py). The ID number a
    department sends is recorded masked (first 6 and last 4 characters), like everywhere an officer reads it."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="calls", verbose_name=_("密钥"))
    method = models.CharField(_("方法"), max_length=8)
    path = models.CharField(_("地址"), max_length=300)
    operation = models.CharField(_("操作"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("响应状态"))
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    subject = models.CharField(_("查询对象"), max_length=200, blank=True)
    result = models.CharField(_("结果"), max_length=32, blank=True)
    client_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口调用记录")
        verbose_name_plural = _("接口调用记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.key_id} {self.method} {self.path} {self.status_code}"


class CodePurpose(models.TextChoices):
    SIGN_UP = "sign_up", _("注册")
    SIGN_IN = "sign_in", _("短信验证码登录")
    RESET = "reset", _("找回密码")
    CHANGE_PHONE = "change_phone", _("更换手机号")


class PhoneCode(models.Model):
    """One SMS code sent to one number for one purpose (portal/phonecodes.py): valid 5 minutes, 5 tries, used once.

    Only a hash of the code is kept. A newer code for the same number and purpose replaces the older one.
    """

    phone = models.CharField(_("手机号码"), max_length=11, db_index=True)
    purpose = models.CharField(_("用途"), max_length=16, choices=CodePurpose.choices)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(_("发送时间"), db_index=True)
    expires_at = models.DateTimeField(_("失效时间"))
    tries = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    replaced = models.BooleanField(_("已被新验证码取代"), default=False)
    client_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} · {self.purpose} · {self.created_at:%Y-%m-%d %H:%M}"


class BindingStatus(models.TextChoices):
    PENDING = "pending", _("待社区确认")
    CONFIRMED = "confirmed", _("已确认")
    REFUSED = "refused", _("未通过")
    ENDED = "ended", _("已迁出")


class ResidenceBinding(models.Model):
    """A resident's request to belong to a community (居住关系), and what became of it (portal/bindings.py).

    States: pending → confirmed | refused; pending or confirmed → ended (the resident moved: a new request, or
    closed the account). Rows are never deleted: together they are the history of where a person lived. The
    resident's RESIDENT membership is active while the binding is pending or confirmed, so an unconfirmed resident
    can already apply; staff see that the binding is unconfirmed and verify residence with the application.
    """

    resident = models.ForeignKey(User, on_delete=models.PROTECT, related_name="bindings", verbose_name=_("居民"))
    community = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="bindings", verbose_name=_("社区（村）")
    )
    address = models.CharField(_("居住地址"), max_length=200)
    status = models.CharField(_("状态"), max_length=16, choices=BindingStatus.choices, default=BindingStatus.PENDING)
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("办理人")
    )
    at_counter = models.BooleanField(_("窗口现场核实"), default=False)
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    ended_at = models.DateTimeField(_("迁出时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("居住关系")
        verbose_name_plural = _("居住关系")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One community at a time: at most one pending or confirmed binding per resident.
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(status__in=["pending", "confirmed"]),
                name="binding_one_current_per_resident",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.community} · {self.get_status_display()}"


class Appointment(models.Model):
    """One term of a community post (staff, director, seal keeper), appointed by the county (portal/appointments.py).

    The rows are the history of who held what role when: a term is never deleted, its end is written once. The
    membership it points to is what every permission reads; its dates follow the current term.
    """

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("角色绑定")
    )
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("任职人"))
    role = models.CharField(_("职务"), max_length=24, choices=Role.choices)
    community = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("社区（村）")
    )
    starts_on = models.DateField(_("任职起始日"))
    ends_on = models.DateField(_("任职截止日"), null=True, blank=True)
    election = models.BooleanField(_("换届产生"), default=False)
    # Empty for a post held before the portal's appointments (taken over from its membership, see adopt_posts).
    appointed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("任命人")
    )
    appointed_at = models.DateTimeField(_("任命时间"), auto_now_add=True)
    ended_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("免职人")
    )
    ended_at = models.DateTimeField(_("免职时间"), null=True, blank=True)
    end_reason = models.CharField(_("免职原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("任职记录")
        verbose_name_plural = _("任职记录")
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.community} · {self.starts_on}–{self.ends_on or ''}"


class DeputySigning(models.Model):
    """A director names a deputy who may sign certificates (代签) within a date range (portal/appointments.py).

    Every signature made under it names the director in the register (certificates RegisterEntry.deputy_for).
    """

    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区（村）"))
    director = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("主任"))
    deputy = models.ForeignKey(User, on_delete=models.PROTECT, related_name="deputy_signings", verbose_name=_("代签人"))
    starts_on = models.DateField(_("代签起始日"))
    ends_on = models.DateField(_("代签截止日"))
    created_at = models.DateTimeField(_("指定时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("代签授权")
        verbose_name_plural = _("代签授权")
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.deputy} → {self.director} · {self.starts_on}–{self.ends_on}"

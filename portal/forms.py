from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from portal.models import ApiScope


class LoginForm(AuthenticationForm):
    """Sign in with a username or a phone number. AuthenticationForm passes the request to authenticate(), which
    django-axes needs to count failures per client address."""

    error_messages = {
        "invalid_login": _("用户名（或手机号）或密码不正确。请注意密码区分大小写。"),
        "inactive": _("该账号已停用。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名或手机号")
        self.fields["password"].label = _("密码")


class CodeForm(forms.Form):
    """One code: six digits from the authenticator app, or (at the second step) a recovery code."""

    code = forms.CharField(label=_("验证码"), max_length=32)


class ApiKeyForm(forms.Form):
    """A county officer issues a key to a department. The rules (whose place, one live key per department) are in
    portal.apikeys.api_key_create; the form only shows the fields and the messages."""

    department = forms.CharField(label=_("使用部门"), max_length=200, help_text=_("如：西安市某公证处、某银行雁塔支行"))
    region = forms.ChoiceField(label=_("发放地方"), help_text=_("密钥只能核验该地方各社区（村）出具的证明。"))
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple
    )
    rate_limit_per_minute = forms.IntegerField(label=_("每分钟调用上限"), initial=60, min_value=1, max_value=6000)

    def __init__(self, *args, regions: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.regions = {str(r.pk): r for r in regions}
        self.fields["region"].choices = [(str(r.pk), r.name) for r in regions]

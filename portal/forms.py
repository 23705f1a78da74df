from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


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

"""Forms of the residents' own account pages: they only shape what was typed; the rules are in portal/accounts.py,
portal/phonecodes.py and portal/bindings.py."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal import phonecodes
from portal.models import NotifyChannel

PHONE_ATTRS = {"inputmode": "numeric", "autocomplete": "tel-national", "maxlength": "11"}
CODE_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6", "class": "otp-code"}


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: field errors where the form has the field, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("手机号码"))
        kwargs.setdefault("max_length", 20)
        super().__init__(widget=forms.TextInput(attrs=PHONE_ATTRS), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return phonecodes.clean_phone(value) if value else value


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("短信验证码"))
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("required", False)  # not needed to ask for one; checked when the form is submitted
        super().__init__(widget=forms.TextInput(attrs=CODE_ATTRS), **kwargs)


class PasswordPairMixin:
    def clean(self):
        data = super().clean()
        if self.sending:
            return data
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class CodeFormMixin:
    """`action=send` asks for a code: then only the phone number matters; anything else submits the form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sending = bool(self.data) and self.data.get("action") == "send"
        if self.sending:
            for name, field in self.fields.items():
                if name != "phone":
                    field.required = False

    def clean(self):
        data = super().clean()
        if not self.sending and "code" in self.fields and not (data.get("code") or "").strip():
            self.add_error("code", _("请输入短信验证码。"))
        return data


def password_field(label, autocomplete="new-password"):
    # render_value: a page shown again (a code asked for, a field to correct) keeps what was typed
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}, render_value=True),
    )


class SignUpForm(CodeFormMixin, PasswordPairMixin, forms.Form):
    phone = PhoneField()
    code = CodeField()
    real_name = forms.CharField(
        label=_("真实姓名"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    id_number = forms.CharField(
        label=_("公民身份号码（选填）"),
        max_length=18,
        required=False,
        help_text=_("填写后，申请证明时可自动带出；社区核实身份时以证件为准。"),
    )
    password1 = password_field(_("设置密码"))
    password2 = password_field(_("再次输入密码"))


class CodeSignInForm(CodeFormMixin, forms.Form):
    phone = PhoneField()
    code = CodeField()


class ResetByCodeForm(CodeFormMixin, PasswordPairMixin, forms.Form):
    phone = PhoneField()
    code = CodeField()
    password1 = password_field(_("新密码"))
    password2 = password_field(_("再次输入新密码"))


class PhoneChangeForm(CodeFormMixin, forms.Form):
    phone = PhoneField(label=_("新手机号码"))
    code = CodeField(help_text=_("验证码发送到新号码。"))


class NotifyForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("通知方式"),
        choices=NotifyChannel.choices,
        widget=forms.RadioSelect,
        help_text=_("登记了电子邮箱的，每一步都会收到邮件；选择“电子邮件”后不再发送短信。"),
    )
    email = forms.EmailField(label=_("电子邮箱"), required=False)


class CloseForm(forms.Form):
    password = forms.CharField(
        label=_("当前密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    confirm = forms.BooleanField(label=_("我已知晓：注销后不能再登录，已出具的证明和办理记录仍依法保存。"))


class BindingSearchForm(forms.Form):
    q = forms.CharField(label=_("社区（村）或街道（乡镇）名称"), max_length=50, required=False)


class BindingRequestForm(forms.Form):
    community = forms.CharField(widget=forms.HiddenInput)
    address = forms.CharField(
        label=_("居住地址"), max_length=200, help_text=_("如：小寨路12号3号楼2单元501室。社区工作人员据此核实。")
    )


class BindingDecideForm(forms.Form):
    binding = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("confirm", _("确认")), ("refuse", _("不予确认"))])
    reason = forms.CharField(label=_("理由"), max_length=300, required=False)
    at_counter = forms.BooleanField(label=_("已在窗口现场核实"), required=False)

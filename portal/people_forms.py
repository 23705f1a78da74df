"""Forms of the county's appointment pages and the director's deputy page (rules: portal/appointments.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.account_forms import PhoneField
from portal.roles import Role
from portal.terms import role_label

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
POST_CHOICES = [(Role.STAFF, _("社区工作人员")), (Role.DIRECTOR, _("社区主任")), (Role.KEEPER, _("印章保管人"))]


class AppointForm(forms.Form):
    role = forms.ChoiceField(label=_("职务"), choices=POST_CHOICES)
    real_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = PhoneField(help_text=_("任命后向该号码发送短信通知；本人用此号码登录。"))
    starts_on = forms.DateField(label=_("任职起始日"), widget=DATE)
    ends_on = forms.DateField(label=_("任职截止日（选填）"), widget=DATE, required=False)

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        if community is not None:  # a village's director is its 村委会主任
            self.fields["role"].choices = [(role, role_label(role, community)) for role, _label in POST_CHOICES]


class ReplaceDirectorForm(forms.Form):
    real_name = forms.CharField(label=_("新任主任姓名"), max_length=50)
    phone = PhoneField()
    starts_on = forms.DateField(label=_("新任主任任职起始日"), widget=DATE)
    reason = forms.CharField(label=_("说明"), max_length=200, required=False, initial=_("换届"))


class EndForm(forms.Form):
    appointment = forms.IntegerField(widget=forms.HiddenInput)
    ends_on = forms.DateField(label=_("任职截止日"), widget=DATE)
    reason = forms.CharField(label=_("免职原因"), max_length=200)


class DeputyForm(forms.Form):
    deputy = forms.ModelChoiceField(label=_("代签人"), queryset=None, empty_label=_("请选择"))
    starts_on = forms.DateField(label=_("代签起始日"), widget=DATE)
    ends_on = forms.DateField(label=_("代签截止日"), widget=DATE)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputy"].queryset = people
        self.fields["deputy"].label_from_instance = lambda user: user.display_name


class SecondFactorResetForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("重置原因"), max_length=150, help_text=_("如：手机丢失，恢复码也已遗失；本人到场核实身份。")
    )

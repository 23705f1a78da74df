"""Site-wide pages: home and sign-in."""

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.forms import LoginForm
from portal.models import Region
from portal.regions import Level


def home(request: HttpRequest) -> HttpResponse:
    counties = Region.objects.filter(level=Level.COUNTY).select_related("parent").order_by("code")
    return render(request, "portal/home.html", {"counties": counties})


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

from django.contrib.auth import views as auth_views
from django.urls import path

from portal import csp_reports, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("csp-report/", csp_reports.csp_report, name="csp_report"),
]

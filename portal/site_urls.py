from django.contrib.auth import views as auth_views
from django.urls import path

from portal import audit_views, csp_reports, health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("oversight/audit/", audit_views.audit_log, name="audit_log"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path(".well-known/certificate-qr-key.json", health.qr_public_key, name="qr_public_key"),
    path("csp-report/", csp_reports.csp_report, name="csp_report"),
    path("accounts/second-step/", views.second_step, name="second_step"),
    path("accounts/second-step/setup/", views.second_step_setup, name="second_step_setup"),
    path("officer/lockouts/", views.officer_lockouts, name="officer_lockouts"),
]

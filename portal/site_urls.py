from django.contrib.auth import views as auth_views
from django.urls import path

from portal import account_views, apikey_views, audit_views, csp_reports, health, people_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("oversight/audit/", audit_views.audit_log, name="audit_log"),
    path("officer/api-keys/", apikey_views.api_keys, name="api_keys"),
    path("officer/api-keys/<int:pk>/revoke/", apikey_views.api_key_revoke_view, name="api_key_revoke"),
    path("officer/api-keys/calls/", apikey_views.api_calls, name="api_calls"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path(".well-known/certificate-qr-key.json", health.qr_public_key, name="qr_public_key"),
    path("csp-report/", csp_reports.csp_report, name="csp_report"),
    path("accounts/second-step/", views.second_step, name="second_step"),
    path("accounts/second-step/setup/", views.second_step_setup, name="second_step_setup"),
    path("officer/lockouts/", views.officer_lockouts, name="officer_lockouts"),
    # Residents join by themselves (issue 9)
    path("care-mode/", views.care_mode, name="care_mode"),
    path("accounts/sign-up/", account_views.sign_up, name="sign_up"),
    path("accounts/login/sms/", account_views.login_code, name="login_code"),
    path("accounts/password-reset/sms/", account_views.password_reset_sms, name="password_reset_sms"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(
            html_email_template_name=None, email_template_name="registration/password_reset_email.txt"
        ),
        name="password_reset",
    ),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/settings/", account_views.account_settings, name="account_settings"),
    path("accounts/community/", account_views.my_community, name="my_community"),
    path("community/bindings/", account_views.community_bindings, name="community_bindings"),
    # Counties run their own people (issue 9)
    path("officer/people/", people_views.officer_people, name="officer_people"),
    # a lost authenticator: the county resets its community posts, the province its county officers
    path("officer/people/second-factor/", people_views.second_factor_resets, name="second_factor_resets"),
    path(
        "officer/people/<str:community_code>/",
        people_views.officer_community_people,
        name="officer_community_people",
    ),
    path("community/deputy/", people_views.deputy, name="deputy"),
]

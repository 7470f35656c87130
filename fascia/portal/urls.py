"""The patient portal, /my/: the patient's own pages (fascia.portal.auth.patient_view) and the public steps
before signing in (the invitation, the sign-in and password reset pages)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from fascia.core.ratelimit import rate_limited
from fascia.portal import booking, homecare, intake, progress, security, statements, views
from fascia.portal.forms import (
    PortalLoginForm,
    PortalPasswordResetForm,
    PortalSetPasswordForm,
)

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="portal/login.html", authentication_form=PortalLoginForm, next_page="portal:home"
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="portal:login"), name="logout"),
    path("invite/<str:token>/", views.invitation, name="invitation"),
    path("language/", views.language, name="language"),
    path("intake/", intake.intake_form, name="intake"),
    path("consents/", views.consents, name="consents"),
    path("consents/<str:kind>/sign/", views.consent_sign, name="consent_sign"),
    path("consents/signed/<uuid:consent_id>/", views.consent_pdf, name="consent_pdf"),
    path("progress/", progress.progress, name="progress"),
    path("questionnaires/<str:code>/", progress.questionnaire, name="questionnaire"),
    path("statements/", statements.statements, name="statements"),
    path("statements/statement.pdf", statements.statement_pdf, name="statement_pdf"),
    path("password/", views.password_change, name="password_change"),
    path("security/", security.security, name="security"),
    path("security/off/", security.security_off, name="security_off"),
    path("login/code/", security.verify, name="two_factor_verify"),
    path("home-care/", homecare.page, name="home_care"),
    path("home-care/<uuid:item_id>/image/", homecare.image, name="home_care_image"),
    path("book/", booking.book, name="book"),
    path("book/confirm/", booking.book_confirm, name="book_confirm"),
    path("appointments/", booking.appointments, name="appointments"),
    path("appointments/<uuid:appointment_id>/cancel/", booking.cancel, name="cancel"),
    path("appointments/<uuid:appointment_id>/reschedule/", booking.reschedule, name="reschedule"),
    path(
        "password/reset/",
        rate_limited(methods=("POST",))(  # each request sends an email: not to be hammered
            auth_views.PasswordResetView.as_view(
                template_name="portal/password_reset.html",
                form_class=PortalPasswordResetForm,
                email_template_name="portal/password_reset_email.txt",
                subject_template_name="portal/password_reset_subject.txt",
                success_url=reverse_lazy("portal:password_reset_done"),
            )
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="portal/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="portal/password_reset_confirm.html",
            form_class=PortalSetPasswordForm,
            success_url=reverse_lazy("portal:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="portal/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]

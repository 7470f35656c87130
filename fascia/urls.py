from django.contrib.auth import views as auth_views
from django.urls import include, path

from fascia.api import api
from fascia.core.forms import LoginForm, PasswordChangeForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(form_class=PasswordChangeForm, success_url="/"),
        name="password_change",
    ),
    path("patients/", include("fascia.patients.urls")),
    path("evaluations/", include("fascia.evaluations.urls")),
    path("techniques/", include("fascia.techniques.urls")),
    path("plans/", include("fascia.plans.urls")),
    path("referrals/", include("fascia.referrals.urls")),
    path("schedule/", include("fascia.scheduling.urls")),
    path("notes/", include("fascia.visits.urls")),
    path("records/", include("fascia.records.urls")),
    path("billing/", include("fascia.billing.urls")),
    path("today/", include("fascia.frontdesk.urls")),
    path("analytics/", include("fascia.analytics.urls")),
    path("practitioners/", include("fascia.practitioners.urls")),
    path("my/q/", include("fascia.measures.urls")),
    path("my/", include("fascia.portal.urls")),
    path("api/v1/", api.urls),
    path("fhir/r4/", include("fascia.fhir.urls")),
    path("", include("fascia.core.urls")),
]

from django.urls import path

from fascia.patients import intake_views, views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<uuid:patient_id>/", views.patient_chart, name="chart"),
    path("<uuid:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:patient_id>/consents/new/", views.consent_add, name="consent_add"),
    path("<uuid:patient_id>/consents/sign/<slug:kind>/", views.consent_sign, name="consent_sign"),
    path("<uuid:patient_id>/consents/<uuid:consent_id>/pdf/", views.consent_pdf, name="consent_pdf"),
    path("consent-documents/", views.consent_versions, name="consent_versions"),
    path("consent-documents/<slug:kind>/publish/", views.consent_publish, name="consent_publish"),
    path("<uuid:patient_id>/history/<slug:kind>/new/", views.history_add, name="history_add"),
    path("<uuid:patient_id>/medications/<uuid:entry_id>/edit/", views.medication_edit, name="medication_edit"),
    path("<uuid:patient_id>/medications/<uuid:entry_id>/answer/", views.medication_answer, name="medication_answer"),
    path("<uuid:patient_id>/portal-invitation/", views.portal_invite, name="portal_invite"),
    path("<uuid:patient_id>/portal-account/close/", views.portal_close, name="portal_close"),
    path("<uuid:patient_id>/history/<slug:kind>/<uuid:entry_id>/status/", views.history_status, name="history_status"),
    path("<uuid:patient_id>/intake/<uuid:submission_id>/", intake_views.intake_review, name="intake_review"),
    path(
        "<uuid:patient_id>/intake/<uuid:submission_id>/items/<uuid:item_id>/",
        intake_views.intake_decide,
        name="intake_decide",
    ),
    path(
        "<uuid:patient_id>/intake/<uuid:submission_id>/card/<slug:side>/", intake_views.intake_card, name="intake_card"
    ),
]

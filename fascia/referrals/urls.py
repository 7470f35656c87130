from django.urls import path

from fascia.referrals import views

app_name = "referrals"

urlpatterns = [
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/new/", views.provider_edit, name="provider_create"),
    path("providers/<uuid:provider_id>/", views.provider_edit, name="provider_edit"),
    path("patients/<uuid:patient_id>/referrals/new/", views.referral_add, name="referral_add"),
    path("patients/<uuid:patient_id>/correspondence/new/", views.correspondence_add, name="correspondence_add"),
    path("documents/<slug:kind>/<uuid:public_id>/", views.document, name="document"),
]

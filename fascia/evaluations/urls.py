from django.urls import path

from fascia.evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("start/<uuid:patient_id>/", views.start, name="start"),
    path("measures/preview/", views.measure_preview, name="measure_preview"),
    path("icd10/", views.icd10_suggestions, name="icd10"),
    path("<uuid:evaluation_id>/", views.detail, name="detail"),
    path("<uuid:evaluation_id>/edit/", views.edit, name="edit"),
    path("<uuid:evaluation_id>/sections/<str:name>/", views.section, name="section"),
    path("<uuid:evaluation_id>/sign/", views.sign, name="sign"),
    path("<uuid:evaluation_id>/discard/", views.discard, name="discard"),
    path("<uuid:evaluation_id>/report.pdf", views.report_pdf, name="pdf"),
    path("<uuid:evaluation_id>/addenda/", views.addendum, name="addendum"),
    path("<uuid:evaluation_id>/clearances/", views.clearance, name="clearance"),
    path("<uuid:evaluation_id>/measures/", views.measure, name="measure"),
]

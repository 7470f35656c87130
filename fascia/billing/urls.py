from django.urls import path

from fascia.billing import views

app_name = "billing"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("build/", views.build, name="build"),
    path("export/", views.export, name="export"),
    path("batches/<int:control_number>/", views.batch_file, name="batch"),
    path("claims/<uuid:claim_id>/", views.claim_detail, name="claim"),
    path("claims/<uuid:claim_id>/check/", views.check, name="check"),
    path("claims/<uuid:claim_id>/status/", views.change_status, name="status"),
    path("claims/<uuid:claim_id>/secondary/", views.draft_secondary, name="draft_secondary"),
    path("claims/<uuid:claim_id>/form.pdf", views.claim_pdf, name="claim_pdf"),
    path("remittances/", views.remittances, name="remittances"),
    path("remittances/held/<int:posting_id>/post/", views.post_held, name="post_held"),
    path("remittances/held/<int:posting_id>/dismiss/", views.dismiss_held, name="dismiss_held"),
    path("reports/", views.reports, name="reports"),
    path("payers/", views.payer_list, name="payers"),
    path("payers/new/", views.payer_edit, name="payer_create"),
    path("payers/<uuid:payer_id>/", views.payer_edit, name="payer_edit"),
    path("payers/<uuid:payer_id>/fees/new/", views.fee_add, name="fee_add"),
    path("ncci-pairs/new/", views.ncci_pair_edit, name="ncci_pair_create"),
    path("ncci-pairs/<uuid:pair_id>/", views.ncci_pair_edit, name="ncci_pair_edit"),
    path("clearinghouses/new/", views.clearinghouse_edit, name="clearinghouse_create"),
    path("clearinghouses/<uuid:clearinghouse_id>/", views.clearinghouse_edit, name="clearinghouse_edit"),
    path("patients/<uuid:patient_id>/statement.pdf", views.statement, name="statement"),
    path("patients/<uuid:patient_id>/<slug:kind>/new/", views.patient_record, name="patient_record"),
    path("patients/<uuid:patient_id>/<slug:kind>/<uuid:record_id>/", views.patient_record, name="patient_record_edit"),
]

from django.urls import path

from fascia.practitioners import views

app_name = "practitioners"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("compliance/", views.compliance, name="compliance"),
    path("requirements/", views.requirements, name="requirements"),
    path("requirements/new/", views.requirement_edit, name="requirement_create"),
    path("requirements/<int:requirement_id>/", views.requirement_edit, name="requirement_edit"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_edit, name="staff_create"),
    path("staff/<uuid:user_id>/", views.staff_edit, name="staff_edit"),
    path("<uuid:practitioner_id>/", views.detail, name="detail"),
    path("<uuid:practitioner_id>/credentials/new/", views.credential_add, name="credential_add"),
    path("<uuid:practitioner_id>/courses/new/", views.course_add, name="course_add"),
    path("<uuid:practitioner_id>/transcript.pdf", views.transcript, name="transcript"),
    path("documents/<uuid:public_id>/<slug:kind>/", views.document, name="document"),
]

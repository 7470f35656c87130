from django.urls import path

from fascia.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),  # no trailing slash: what load balancers ask for
    path("favicon.ico", views.favicon, name="favicon"),  # what browsers ask for when a page names no icon
    path("setup/", views.setup, name="setup"),
    path("account/two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("organization/", views.organization_edit, name="organization_edit"),
    path("locations/", views.location_list, name="location_list"),
    path("locations/new/", views.location_edit, name="location_create"),
    path("locations/<uuid:location_id>/", views.location_edit, name="location_edit"),
    path("locations/<uuid:location_id>/rooms/new/", views.room_edit, name="room_create"),
    path("locations/<uuid:location_id>/rooms/<uuid:room_id>/", views.room_edit, name="room_edit"),
    path("audit/", views.audit_search, name="audit_search"),
]

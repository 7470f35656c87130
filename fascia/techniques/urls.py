from django.urls import path

from fascia.techniques import views

app_name = "techniques"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("new/", views.technique_edit, name="create"),
    path("<slug:code>/", views.technique_edit, name="edit"),
]

from django.urls import path

from fascia.analytics import groups_views, outcomes

app_name = "analytics"

urlpatterns = [
    path("outcomes/", outcomes.outcomes, name="outcomes"),
    path("groups/", groups_views.condition_groups, name="condition_groups"),
]

from django.urls import path

from fascia.analytics import dashboards, groups_views, monthly, outcomes

app_name = "analytics"

urlpatterns = [
    path("outcomes/", outcomes.outcomes, name="outcomes"),
    path("groups/", groups_views.condition_groups, name="condition_groups"),
    path("practice/", dashboards.practice_dashboard, name="practice"),
    path("finances/", dashboards.finances_dashboard, name="finances"),
    path("monthly/", monthly.monthly_report, name="monthly_pdf"),
]

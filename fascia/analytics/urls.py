from django.urls import path

from fascia.analytics import dashboards, monthly

app_name = "analytics"

urlpatterns: list = [
    path("practice/", dashboards.practice_dashboard, name="practice"),
    path("finances/", dashboards.finances_dashboard, name="finances"),
    path("monthly/", monthly.monthly_report, name="monthly_pdf"),
]

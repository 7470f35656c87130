"""The patient's questionnaire link (/my/q/<token>/): public, the token is the key."""

from django.urls import path

from fascia.measures import views

app_name = "questionnaires"

urlpatterns = [path("<str:token>/", views.answer, name="answer")]

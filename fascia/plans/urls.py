from django.urls import path

from fascia.plans import views

app_name = "plans"

urlpatterns = [
    path("from-evaluation/<uuid:evaluation_id>/", views.create, name="create"),
    path("<uuid:plan_id>/", views.detail, name="detail"),
    path("<uuid:plan_id>/edit/", views.edit, name="edit"),
    path("<uuid:plan_id>/goals/", views.add_goal, name="add_goal"),
    path("<uuid:plan_id>/goals/<int:goal_id>/remove/", views.remove_goal, name="remove_goal"),
    path("<uuid:plan_id>/screen/", views.screen, name="screen"),
    path("<uuid:plan_id>/techniques/", views.add_technique, name="add_technique"),
    path("<uuid:plan_id>/techniques/<int:planned_id>/remove/", views.remove_technique, name="remove_technique"),
    path("<uuid:plan_id>/questionnaires/", views.add_questionnaire, name="add_questionnaire"),
    path(
        "<uuid:plan_id>/questionnaires/<int:questionnaire_id>/remove/",
        views.remove_questionnaire,
        name="remove_questionnaire",
    ),
    path("<uuid:plan_id>/questionnaires/<str:instrument>/send/", views.send_questionnaire, name="send_questionnaire"),
    path("<uuid:plan_id>/<str:kind>/<int:item_id>/treats/", views.change_treated, name="change_treated"),
    path("<uuid:plan_id>/activate/", views.activate, name="activate"),
    path("<uuid:plan_id>/revise/", views.revise, name="revise"),
    path("<uuid:plan_id>/end/", views.end, name="end"),
    path("<uuid:plan_id>/home-care/", views.home_care, name="home_care"),
    path("<uuid:plan_id>/home-care/items/", views.add_home_care, name="add_home_care"),
    path("<uuid:plan_id>/home-care/items/<uuid:item_id>/remove/", views.remove_home_care, name="remove_home_care"),
    path("<uuid:plan_id>/home-care/items/<uuid:item_id>/image/", views.home_care_image, name="home_care_image"),
    path("<uuid:plan_id>/letter/", views.letter, name="letter"),
    path("<uuid:plan_id>/letter/preview/", views.letter_preview, name="letter_preview"),
]

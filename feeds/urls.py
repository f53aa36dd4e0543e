from django.urls import path

from feeds import views

app_name = "feeds"
urlpatterns = [
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/<int:pk>/act/", views.proposal_act, name="proposal-act"),
    path("proposals/<int:pk>/dismiss/", views.proposal_dismiss, name="proposal-dismiss"),
    path("forecasts/new/", views.forecast_new, name="forecast-new"),
    path("health/", views.health, name="health"),
]

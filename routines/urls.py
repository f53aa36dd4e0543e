from django.urls import path

from routines import views

app_name = "routines"
urlpatterns = [
    path("", views.routine_list, name="list"),
    path("<int:pk>/", views.routine_detail, name="detail"),
    path("rounds/<int:pk>/complete/", views.occurrence_complete, name="complete"),
]

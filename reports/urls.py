from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("days/<int:pk>/", views.day_board, name="day"),
    path("days/<int:pk>/close/", views.day_close, name="day-close"),
    path("daily/<int:pk>/", views.daily_report, name="daily"),
]

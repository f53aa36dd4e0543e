from django.urls import path

from duty import views

app_name = "duty"
urlpatterns = [
    path("", views.roster, name="roster"),
    path("shifts/<int:pk>/remove/", views.shift_remove, name="shift-remove"),
]

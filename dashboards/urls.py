from django.urls import path

from dashboards import views

urlpatterns = [
    path("unit/", views.unit_dashboard, name="dashboard-unit"),
    path("office/", views.office_dashboard, name="dashboard-office"),
    path("leader/", views.leader_dashboard, name="dashboard-leader"),
    path("wall/", views.wall, name="wall"),
]

"""Warning pages (under /alerts/)."""

from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("new/", views.alert_new, name="new"),
    path("approvals/", views.alert_approvals, name="approvals"),
    path("<int:pk>/", views.alert_detail, name="detail"),
    path("<int:pk>/approve/", views.alert_approve, name="approve"),
    path("<int:pk>/reject/", views.alert_reject, name="reject"),
    path("<int:pk>/lift/", views.alert_lift, name="lift"),
]

"""Response pages (under /responses/)."""

from django.urls import path

from responses import views

app_name = "responses"

urlpatterns = [
    path("", views.response_list, name="list"),
    path("<int:pk>/summary/", views.response_summary_page, name="summary"),
    path("<int:pk>/summary.csv", views.response_summary_csv, name="summary-csv"),
    path("<int:pk>/units/<slug:code>/", views.response_unit, name="unit"),
    path("assignments/<int:pk>/remind/", views.assignment_remind, name="assignment-remind"),
    path("assignments/<int:pk>/return/", views.assignment_send_back, name="assignment-return"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]

from django.urls import path

from training import views

app_name = "training"
urlpatterns = [
    path("", views.record_list, name="list"),
    path("<int:pk>/", views.record_detail, name="detail"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]

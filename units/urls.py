from django.urls import path

from units import views

app_name = "units"
urlpatterns = [
    path("contacts/", views.contacts, name="contacts"),
    path("<int:pk>/contacts/", views.unit_contacts_edit, name="contact-edit"),
]

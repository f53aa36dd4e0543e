from django.urls import path

from reductions import views

app_name = "reductions"
urlpatterns = [
    path("", views.list_page, name="list"),
    path("export.xlsx", views.export, name="export"),
    path("template.xlsx", views.template, name="template"),
    path("import/", views.import_page, name="import"),
    path("responses/<int:pk>/measures.xlsx", views.response_measures, name="response-measures"),
]

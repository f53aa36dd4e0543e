from django.urls import path

from reductions import views

app_name = "reductions"
urlpatterns = [
    path("", views.list_page, name="list"),
    path("export.xlsx", views.export, name="export"),
    path("template.xlsx", views.template, name="template"),
    path("import/", views.import_page, name="import"),
    path("responses/<int:pk>/measures.xlsx", views.response_measures, name="response-measures"),
    path("responses/<int:pk>/compliance/", views.compliance_page, name="compliance"),
    path("compliance/", views.compliance_current, name="compliance-current"),
    path("inspect/", views.inspect_page, name="inspect"),
    path("items/<int:pk>/confirm/", views.item_confirm, name="item-confirm"),
    path("inspections/photos/<int:pk>/", views.inspection_photo, name="inspection-photo"),
]

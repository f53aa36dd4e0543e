from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("days/<int:pk>/", views.day_board, name="day"),
    path("days/<int:pk>/close/", views.day_close, name="day-close"),
    path("days/<int:pk>/bulletin/", views.bulletin_draft, name="bulletin-draft"),
    path("daily/<int:pk>/", views.daily_report, name="daily"),
    path("bulletins/", views.bulletin_list, name="bulletins"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin"),
    path("bulletins/<int:pk>/bulletin.docx", views.bulletin_docx, name="bulletin-docx"),
    path("bulletins/<int:pk>/bulletin.pdf", views.bulletin_pdf, name="bulletin-pdf"),
    path("city/", views.city_reports, name="city"),
    path("city/<int:pk>/file.docx", views.city_report_file, name="city-file"),
    path("summaries/", views.summary_list, name="summaries"),
    path("summaries/responses/<int:pk>/", views.summary_response, name="summary-response"),
    path("summaries/responses/<int:pk>/evaluation.docx", views.evaluation_docx, name="evaluation-docx"),
    path("summaries/responses/<int:pk>/evaluation.pdf", views.evaluation_pdf, name="evaluation-pdf"),
    path("summaries/<int:pk>/", views.unit_summary, name="summary"),
]

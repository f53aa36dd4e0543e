from rest_framework.routers import SimpleRouter

from reports.api.views import DailyReportViewSet, ReportDayViewSet

router = SimpleRouter()
router.register("report-days", ReportDayViewSet, basename="report-day")
router.register("daily-reports", DailyReportViewSet, basename="daily-report")
urlpatterns = router.urls

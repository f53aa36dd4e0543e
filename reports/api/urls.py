from rest_framework.routers import SimpleRouter

from reports.api.views import (
    BulletinViewSet,
    CityReportViewSet,
    DailyReportViewSet,
    ReportDayViewSet,
    UnitSummaryViewSet,
)

router = SimpleRouter()
router.register("report-days", ReportDayViewSet, basename="report-day")
router.register("daily-reports", DailyReportViewSet, basename="daily-report")
router.register("bulletins", BulletinViewSet, basename="bulletin")
router.register("city-reports", CityReportViewSet, basename="city-report")
router.register("unit-summaries", UnitSummaryViewSet, basename="unit-summary")
urlpatterns = router.urls

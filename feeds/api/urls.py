from django.urls import path
from rest_framework.routers import SimpleRouter

from feeds.api.views import AqiView, ForecastCsvView, ForecastView, ProposalViewSet

router = SimpleRouter()
router.register("proposals", ProposalViewSet, basename="proposal")
urlpatterns = [
    path("forecasts/", ForecastView.as_view(), name="forecast-create"),
    path("forecasts/csv/", ForecastCsvView.as_view(), name="forecast-csv"),
    path("aqi/", AqiView.as_view(), name="aqi-compute"),
    *router.urls,
]

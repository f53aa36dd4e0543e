from django.urls import path
from rest_framework.routers import SimpleRouter

from reductions.api.views import ChecklistItemViewSet, EnterpriseViewSet, InspectionViewSet, SiteViewSet, TargetsView

router = SimpleRouter()
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("sites", SiteViewSet, basename="site")
router.register("checklist-items", ChecklistItemViewSet, basename="checklist-item")
router.register("inspections", InspectionViewSet, basename="inspection")
urlpatterns = [
    path("reduction-targets/", TargetsView.as_view(), name="reduction-targets"),
    *router.urls,
]

from django.urls import path
from rest_framework.routers import SimpleRouter

from reductions.api.views import EnterpriseViewSet, SiteViewSet, TargetsView

router = SimpleRouter()
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("sites", SiteViewSet, basename="site")
urlpatterns = [
    path("reduction-targets/", TargetsView.as_view(), name="reduction-targets"),
    *router.urls,
]

from rest_framework.routers import SimpleRouter

from responses.api.views import AssignmentViewSet, ResponseViewSet

router = SimpleRouter()
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("responses", ResponseViewSet, basename="response")
urlpatterns = router.urls

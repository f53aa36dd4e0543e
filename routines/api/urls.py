from rest_framework.routers import SimpleRouter

from routines.api.views import OccurrenceViewSet, RoutineViewSet

router = SimpleRouter()
router.register("routines", RoutineViewSet, basename="routine")
router.register("routine-rounds", OccurrenceViewSet, basename="routine-round")
urlpatterns = router.urls

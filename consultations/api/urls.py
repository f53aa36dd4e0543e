from rest_framework.routers import SimpleRouter

from consultations.api.views import ConsultationViewSet, DirectiveViewSet

router = SimpleRouter()
router.register("consultations", ConsultationViewSet, basename="consultation")
router.register("directives", DirectiveViewSet, basename="directive")
urlpatterns = router.urls

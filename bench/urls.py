"""The platform's URLs plus the bench's trivial JSON view (see ``bench/settings.py``)."""

from django.http import JsonResponse
from django.urls import path

from command_center.urls import urlpatterns as platform_urlpatterns


def trivial_view(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/view/", trivial_view), *platform_urlpatterns]

"""Public pages, no login: mounted at /public/ by command_center.urls (names without a namespace)."""

from django.urls import path

from alerts import public_views

urlpatterns = [
    path("", public_views.home, name="public-home"),
    path("alerts/<int:pk>/cap.xml", public_views.cap, name="public-cap"),
    path("alerts/<int:pk>/cap/<int:version>.xml", public_views.cap, name="public-cap-message"),
    path("feed.atom", public_views.feed, name="public-feed"),
]

"""URL map. Pages in Chinese (English via /i18n/setlang/), the API under /api/, the public pages under /public/."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dashboards import views as dashboards

api_patterns = [
    path("", include("alerts.api.urls")),
    path("", include("responses.api.urls")),
    path("", include("events.api.urls")),
    path("", include("feeds.api.urls")),
    path("", include("reductions.api.urls")),
    path("", include("units.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("routines.api.urls")),
    path("", include("consultations.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("", dashboards.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("alerts/", include("alerts.urls")),
    path("responses/", include("responses.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("feeds/", include("feeds.urls")),
    path("reductions/", include("reductions.urls")),
    path("public/", include("alerts.public_urls")),
    path("units/", include("units.urls")),
    path("duty/", include("duty.urls")),
    path("training/", include("training.urls")),
    path("reports/", include("reports.urls")),
    path("routines/", include("routines.urls")),
    path("consultations/", include("consultations.urls")),
]

# Error pages in the site's layout and the reader's language; JSON under /api/ (foundation.errorpages).
handler400 = "foundation.errorpages.bad_request"
handler403 = "foundation.errorpages.permission_denied"
handler404 = "foundation.errorpages.page_not_found"
handler500 = "foundation.errorpages.server_error"

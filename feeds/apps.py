from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    name = "feeds"
    verbose_name = _("Monitoring and forecasts")

    def ready(self):
        # alerts sits below this app and never imports it: it reads the proposal each warning came from
        # (recorded here, Proposal.alert) through these annotations.
        from alerts.origins import origins_register
        from feeds.selectors import alert_origin_annotations

        origins_register(alert_origin_annotations)

        # The summary evaluation (responses, a floor below) reads the daily AQI through its extension point.
        from feeds.selectors import forecast_aqi_days
        from responses.extensions import air_quality_register

        air_quality_register(forecast_aqi_days)

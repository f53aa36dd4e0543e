"""Create (or update) a few monitoring points of Jiangjin read through Open-Meteo.

Honest about what they are: points named by area, not official monitoring stations,
with approximate coordinates (to about 0.01°, ~1 km). Open-Meteo's air-quality model
outside Europe runs on a grid of about 0.4° (CAMS global), so nearby points share a
cell; they differ in the weather forecast, which is finer. Admins correct or add
points in the admin (Station). Sources of the coordinates:

* district centre 29.29 N 106.26 E: the issue's brief; a third-party gazetteer gives
  29.290069, 106.259281 for the district government (圣泉街道圣泉路99号);
* 几江街道: "东经106°15′, 北纬29°17′" in a third-party description of the street;
* 双福街道: north of the district, about 18 km from the district government
  (third-party gazetteer); the coordinates below are an estimate on that basis.
"""

from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from feeds.choices import Provider
from feeds.models import Station

STATIONS = [
    ("江津城区（区政府附近，坐标约值）", "29.29000", "106.26000"),
    ("几江街道（老城半岛，坐标约值）", "29.28300", "106.25000"),
    ("双福街道（北部，坐标估计值）", "29.40000", "106.31000"),
]


class Command(BaseCommand):
    help = "Create or update a few Jiangjin monitoring points (approximate coordinates) read through Open-Meteo."

    def handle(self, *args, **options):
        # Create only: a point an admin has corrected keeps the admin's coordinates.
        created = 0
        with transaction.atomic():
            for name, lat, lon in STATIONS:
                _station, new = Station.objects.get_or_create(
                    name=name,
                    defaults={"latitude": Decimal(lat), "longitude": Decimal(lon), "provider": Provider.OPEN_METEO},
                )
                created += new
        self.stdout.write(f"stations: {created} created, {len(STATIONS) - created} already there")

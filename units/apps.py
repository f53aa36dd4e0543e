from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Roster")

    def ready(self):
        from units.roles import sync_role_groups

        # Groups are data the code defines; keep them in step after every migrate (and test flush).
        post_migrate.connect(sync_role_groups, dispatch_uid="units.sync_role_groups")

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Roster")

    def ready(self):
        from units.roles import sync_role_groups

        # Groups are data the code defines; keep them in step after every migrate (and test flush).
        post_migrate.connect(sync_role_groups, dispatch_uid="units.sync_role_groups")
        # Django sends user_logged_out from every logout (the page, the absolute lifetime): the one
        # place where a logout can close that session's dashboard sockets (units.services).
        user_logged_out.connect(_logged_out, dispatch_uid="units.session_logged_out")


def _logged_out(sender, request, user, **kwargs):
    from units.services import session_logged_out

    session = getattr(request, "session", None)
    if session is None:
        return
    if user is None:  # a logout before AuthenticationMiddleware ran (the absolute lifetime): the session names them
        from units.models import User

        user = User.objects.filter(pk=session.get("_auth_user_id")).first()
    session_logged_out(user=user, session_key=session.session_key)

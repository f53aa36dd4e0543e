"""Who may read and write consultation records and municipal directives. Services enforce; pages and the API ask.

附件1 三: the ecology and environment bureau consults with the meteorological bureau (会商、研判、预警) and the
meteorological bureau "会商提出预警建议"; the office keeps the command's information flow (信息上传下达). So
the office and the members of those two units write consultation records; the command (office and
leaders) and those members read them. Municipal directives reach the district's office: it records them.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from consultations.choices import CONSULTING_UNIT_CODES
from units.permissions import is_command, is_office, is_unit_member


def _consulting_member(user) -> bool:
    return is_unit_member(user) and user.unit is not None and user.unit.code in CONSULTING_UNIT_CODES


def may_view_consultations(user) -> bool:
    """Read consultation records and directives: the command, and the consulting units' members."""
    return is_command(user) or _consulting_member(user)


def may_record_consultation(user) -> bool:
    """Write a consultation record and attach its minutes: the office and the consulting units' members."""
    return is_office(user) or _consulting_member(user)


def may_record_directive(user) -> bool:
    """Record a municipal directive (a warning notice or a lift advice): the office."""
    return is_office(user)


class ConsultationsPermission(BasePermission):
    """Reads ask ``may_view_consultations``; writes ``view.write_predicate`` (the service checks again)."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return may_view_consultations(request.user)
        return view.write_predicate(request.user)

"""Roster API (read-only): the units, their duties, duty phones and contact people, for the command and
for integration tokens of command accounts. Writes stay in the admin and on the contacts page."""

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from units.api.serializers import UnitDetailSerializer, UnitSerializer
from units.choices import UnitKind
from units.models import Unit
from units.permissions import RosterReadPermission
from units.selectors import units_visible_to, units_with_contacts

_UNAUTHENTICATED = OpenApiResponse(description="No credentials: send `Authorization: Token <key>` or sign in.")


class UnitFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=UnitKind.choices, distinct=False)
    active = django_filters.BooleanFilter()
    code = django_filters.CharFilter()

    class Meta:
        model = Unit
        fields = ["kind", "active", "code"]


@extend_schema_view(
    list=extend_schema(responses={200: UnitSerializer(many=True), 401: _UNAUTHENTICATED}),
    retrieve=extend_schema(responses={200: UnitDetailSerializer, 401: _UNAUTHENTICATED}),
)
class UnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Member units (成员单位) in the plan's order, active or not; ``?active=true`` for those in service.

    Answers the command (office, leaders) and the roster admin, by session or token; a unit
    member gets 403 (the contact people are other units' staff), an anonymous caller 401.
    """

    # Token first: an anonymous caller is told how to authenticate (401 with WWW-Authenticate: Token).
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [RosterReadPermission]
    filterset_class = UnitFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Unit.objects.none()
        if self.action == "retrieve":
            return units_with_contacts(self.request.user, active_only=False)
        return units_visible_to(self.request.user)

    def get_serializer_class(self):
        return UnitDetailSerializer if self.action == "retrieve" else UnitSerializer

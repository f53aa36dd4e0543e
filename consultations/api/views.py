"""Consultation records and municipal directives: list, read, create. Each write calls one service."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from consultations import services
from consultations.api.serializers import (
    ConsultationCreateSerializer,
    ConsultationSerializer,
    DirectiveCreateSerializer,
    DirectiveSerializer,
)
from consultations.models import Consultation, Directive
from consultations.permissions import ConsultationsPermission, may_record_consultation, may_record_directive
from consultations.selectors import consultations_visible_to, directives_visible_to


class ConsultationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Consultation records (会商): the command and the consulting units read; the office and those units write."""

    serializer_class = ConsultationSerializer
    permission_classes = [ConsultationsPermission]
    write_predicate = staticmethod(may_record_consultation)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Consultation.objects.none()
        return consultations_visible_to(self.request.user)

    @extend_schema(request=ConsultationCreateSerializer, responses={201: ConsultationSerializer})
    def create(self, request):
        """Record a consultation. 400 names each missing or wrong field; 403 for anyone but the writers."""
        data = ConsultationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.consultation_create(actor=request.user, **data.validated_data)
        return Response(ConsultationSerializer(consultations_visible_to(request.user).get(pk=record.pk)).data,
                        status=status.HTTP_201_CREATED)


class DirectiveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Municipal directives (市级指令): the office records the city's warning notices and lift advice."""

    serializer_class = DirectiveSerializer
    permission_classes = [ConsultationsPermission]
    write_predicate = staticmethod(may_record_directive)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Directive.objects.none()
        return directives_visible_to(self.request.user)

    @extend_schema(request=DirectiveCreateSerializer, responses={201: DirectiveSerializer})
    def create(self, request):
        """Record a directive; it becomes a proposal (``proposal``) when the district must follow it."""
        data = DirectiveCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        directive = services.directive_record(actor=request.user, **data.validated_data)
        return Response(DirectiveSerializer(directive).data, status=status.HTTP_201_CREATED)

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alerts.basis import basis_of, city_warning_at
from alerts.choices import BasisKind, Cause, Level, Status
from alerts.models import Alert
from alerts.origins import origin_of
from alerts.permissions import may_decide, may_see_every_alert
from alerts.selectors import alert_as_seen_by, approval_preview
from events.models import AuditEntry
from foundation.datetimes import PlausibleDateTimeField
from foundation.serializers import ReadModelSerializer


class AlertSerializer(ReadModelSerializer):
    proposed_by = serializers.StringRelatedField(allow_null=True)
    approved_by = serializers.StringRelatedField(allow_null=True)
    issued_by = serializers.StringRelatedField(allow_null=True)
    lifted_by = serializers.StringRelatedField(allow_null=True)
    rejected_by = serializers.StringRelatedField(allow_null=True)
    lift_requested_by = serializers.StringRelatedField(allow_null=True)
    response_level = serializers.CharField(read_only=True)
    # "" for a warning with no basis: read-only model fields lose allow_blank in DRF, and the schema then refused it.
    basis_kind = serializers.ChoiceField(choices=BasisKind.choices, allow_blank=True, read_only=True)
    # The proposal the warning came from (``alerts.origins``: recorded on the proposal's side, in feeds).
    proposal = serializers.SerializerMethodField(help_text="The id of the proposal this warning was made from, or null.")

    class Meta:
        model = Alert
        fields = [
            "id", "level", "status", "response_level", "cause", "advisory_only", "reason", "basis", "basis_kind",
            "basis_ref", "area", "drill",
            "starts_at", "ends_at", "proposal", "supersedes", "proposed_over", "created_at", "proposed_by", "approved_by", "approved_at", "issued_by",
            "issued_at", "rejected_by", "rejected_at", "rejection_reason", "lift_requested_by", "lift_requested_at",
            "lift_reason", "lift_at", "lifted_by", "lifted_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_proposal(self, alert) -> int | None:
        found = origin_of(alert)
        return found.proposal if found is not None else None

    def to_representation(self, instance):
        """As the reader may see it (``alerts.selectors.alert_as_seen_by``): the command sees everything."""
        data = super().to_representation(instance)
        request = self.context.get("request")
        return data if request is None else alert_as_seen_by(data, request.user)


class AlertCreateSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    reason = serializers.CharField(max_length=4000, help_text=_("Why the warning is issued."))
    basis = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")
    drill = serializers.BooleanField(required=False, default=False)
    starts_at = PlausibleDateTimeField(required=False, allow_null=True, default=None)
    ends_at = PlausibleDateTimeField(required=False, allow_null=True, default=None)
    cause = serializers.ChoiceField(
        choices=Cause.choices, required=False, default=Cause.PM2_5,
        help_text="The episode's cause; it decides the tasks handed out (issue 15 item 2).",
    )
    tasks_override_reason = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default="",
        help_text="Leaders only: hand out every task of the level whatever the cause, for this reason (audited).",
    )
    confirm_downgrade = serializers.BooleanField(
        required=False, default=False,
        help_text=_("A leader lowering the warning in force must set it; without it the answer is 409."),
    )
    basis_kind = serializers.ChoiceField(
        choices=BasisKind.choices, required=False, allow_blank=True, default="",
        help_text="What the decision rests on: consultation (会商) or directive (市级指令); required with basis_ref "
        "for orange and red and for lowering them (400 without).",
    )
    basis_ref = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None,
        help_text="The id of the consultation record or the municipal directive (GET /api/consultations/, /api/directives/).",
    )
    below_city_reason = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default="",
        help_text="Leaders: why the district goes below the city's warning in effect (400 without it then).",
    )

    def validate(self, attrs):
        if attrs.get("starts_at") and attrs.get("ends_at") and attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError({"ends_at": _("The end must be after the start.")})
        return attrs


class LiftSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    lift_at = PlausibleDateTimeField(
        required=False, allow_null=True, default=None,
        help_text=_("Lift at this time instead of now; the warning and its response stay in force until then."),
    )
    below_city_reason = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default="",
        help_text="Leaders: why the district lifts while the city's warning is in effect (400 without it then).",
    )

    @property
    def text(self) -> str:
        return self.validated_data["reason"] or self.validated_data["comment"]


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")

    @property
    def text(self) -> str:
        return self.validated_data["reason"] or self.validated_data["comment"]


class ApproveSerializer(CommentSerializer):
    confirm_downgrade = serializers.BooleanField(
        required=False, default=False,
        help_text=_("Required when approving lowers the warning in force; without it the answer is 409."),
    )
    confirm_stale = serializers.BooleanField(
        required=False, default=False,
        help_text=_("Required when the warning in force changed since the proposal; without it the answer is 409."),
    )
    cause = serializers.ChoiceField(
        choices=Cause.choices, required=False, allow_blank=True, default="",
        help_text="Override the proposal's cause of the episode (audited); empty: keep it.",
    )
    basis_kind = serializers.ChoiceField(choices=BasisKind.choices, required=False, allow_blank=True, default="")
    basis_ref = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None,
        help_text="Cite a consultation record or municipal directive when the proposal has none (or another).",
    )
    below_city_reason = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default="",
        help_text="Why the district goes below (or lifts during) the city's warning in effect (400 without it then).",
    )


class ApprovalPreviewSerializer(serializers.Serializer):
    """What approving a pending warning now would do (``alerts.selectors.approval_preview``)."""

    effect = serializers.ChoiceField(choices=["issue", "upgrade", "downgrade", "same", "lift"])
    effect_label = serializers.CharField()
    in_force = serializers.IntegerField(allow_null=True)
    in_force_level = serializers.CharField(allow_null=True)
    in_force_label = serializers.CharField(allow_null=True)
    proposed_over = serializers.IntegerField(allow_null=True)
    proposed_over_level = serializers.CharField(allow_null=True)
    proposed_over_label = serializers.CharField(allow_null=True)
    stale = serializers.BooleanField()
    confirm = serializers.ListField(child=serializers.CharField())
    below_city = serializers.CharField(
        allow_null=True, help_text="The rule's sentence when approving goes below the city's warning notice in effect "
        "(send below_city_reason), else null.",
    )


class BasisRecordSerializer(serializers.Serializer):
    """The record a warning rests on (``alerts.basis.BasisRecord``)."""

    kind = serializers.ChoiceField(choices=BasisKind.choices)
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    summary = serializers.CharField()
    level = serializers.CharField(help_text="The level it recommends or orders.")
    cause = serializers.CharField()
    url = serializers.CharField()


class AlertDetailSerializer(AlertSerializer):
    """One warning, its basis, and for the command what approving it now would do (null when nothing is pending)."""

    approval = serializers.SerializerMethodField()
    basis_record = serializers.SerializerMethodField()

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "approval", "basis_record"]
        read_only_fields = fields

    @extend_schema_field(BasisRecordSerializer(allow_null=True))
    def get_basis_record(self, alert):
        request = self.context.get("request")
        if request is None or not may_see_every_alert(request.user):
            return None  # the consultation's figures and participants are the command's
        record = basis_of(alert)
        return BasisRecordSerializer(record).data if record else None

    @extend_schema_field(ApprovalPreviewSerializer(allow_null=True))
    def get_approval(self, alert):
        request = self.context.get("request")
        if request is None or not may_decide(request.user):
            return None
        if alert.status not in (Status.PENDING_APPROVAL, Status.LIFT_PENDING):
            return None
        if "city" not in self.context:  # the city's notice in effect: read once per answer, not per warning
            self.context["city"] = city_warning_at(timezone.now())
        return approval_preview(alert, city=self.context["city"])


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField(allow_null=True)  # empty for the platform itself

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "action", "from_state", "to_state", "comment"]

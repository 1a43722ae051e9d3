"""Every JSON object Statuspage's clients read, defined once.

The public shapes (ComponentSerializer, IncidentSerializer, ...) are /api/v2's, key for key as
the reference lists them. The full shapes extend them with the keys Statuspage's management API
and webhooks add (automation_email, wants_twitter_update, postmortem_*, scheduled_*, ...):
webhook payloads send the full shapes, and /v1 sends them with its own few extras on top
(ManagedIncidentSerializer). So a key added to a public shape shows in /api/v2, /v1 and the
webhooks alike. Every serializer needs the page in its context (`{"page": page}`): its id is
every object's page_id, and its time zone is the offset of every timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from statuspage.lib.timestamps import statuspage_time
from statuspage.shapes.fields import (
    BOOLEAN,
    NULL_TEXT,
    Constant,
    OptionalText,
    PageId,
    Timestamp,
    TranslationsOf,
)
from statuspage.status.models import (
    AlternativeChannel,
    Component,
    ComponentGroup,
    ComponentStatus,
    Function,
    FunctionState,
    Impact,
    Incident,
    IncidentStatus,
    IncidentTemplate,
    Page,
    Reassurance,
    StatusChange,
)
from statuspage.status.rollup import Indicator, worst_status


@dataclass
class GroupRow:
    """A component group as Statuspage lists it: a component row with `group: true`."""

    id: str
    name: str
    description: str
    position: int
    created_at: datetime
    updated_at: datetime
    status: str
    components: list[str] = field(default_factory=list)
    showcase: bool = False
    start_date: date | None = None
    group_id: str | None = None
    only_show_if_degraded: bool = False
    is_group: bool = True

    @classmethod
    def of(cls, group: ComponentGroup, members: list[Component]) -> GroupRow:
        return cls(
            id=group.id,
            name=str(group.name),
            description=str(group.description or ""),
            position=group.position,
            created_at=group.created_at,
            updated_at=group.updated_at,
            status=worst_status(c.status for c in members),
            components=[c.id for c in members],
        )


def rows_with_groups() -> list[Component | GroupRow]:
    """Every component and every group as a row, in page order: top-level rows by position,
    each group followed by its members. Statuspage's component lists look like this."""
    groups = list(ComponentGroup.objects.all())
    members: dict[str, list[Component]] = {g.id: [] for g in groups}
    singles = []
    for component in Component.objects.all():
        if component.group_id in members:
            members[component.group_id].append(component)
        else:
            singles.append(component)
    tops: list[tuple[int, datetime, list[Component | GroupRow]]] = [
        (g.position, g.created_at, [GroupRow.of(g, members[g.id]), *members[g.id]]) for g in groups
    ]
    tops += [(c.position, c.created_at, [c]) for c in singles]
    tops.sort(key=lambda top: (top[0], top[1]))
    return [row for _, _, rows in tops for row in rows]


@extend_schema_field(BOOLEAN)
class GroupFlag(serializers.Field):
    def __init__(self) -> None:
        super().__init__(read_only=True, source="*")

    def to_representation(self, value: object) -> bool:
        return isinstance(value, GroupRow)


class ComponentSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=ComponentStatus.choices, read_only=True)
    created_at = Timestamp(read_only=True)
    updated_at = Timestamp(read_only=True)
    position = serializers.IntegerField(read_only=True)
    description = OptionalText(read_only=True)
    showcase = serializers.BooleanField(read_only=True)
    start_date = serializers.DateField(read_only=True, allow_null=True)
    group_id = serializers.CharField(read_only=True, allow_null=True)
    page_id = PageId()
    group = GroupFlag()
    only_show_if_degraded = serializers.BooleanField(read_only=True)
    # Only group rows carry it (a component has no `components` attribute, so DRF skips it).
    components = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Group rows only: member ids."
    )


class FullComponentSerializer(ComponentSerializer):
    """A component as /v1 and webhooks send it."""

    automation_email = Constant(None, NULL_TEXT)


class AffectedName(serializers.CharField):
    """The component's name as the update recorded it, in the default language; in another
    language (a webhook or email in the subscriber's), the component's name in that one."""

    def __init__(self) -> None:
        super().__init__(read_only=True, source="*")

    def to_representation(self, affected: dict) -> str:  # type: ignore[override]
        if translation.get_language() != settings.LANGUAGE_CODE:
            component = (
                Component.objects.select_related("group").filter(pk=affected.get("code")).first()
            )
            if component is not None:
                return component.display_name
        return affected["name"]


class AffectedComponentSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = AffectedName()
    old_status = serializers.ChoiceField(choices=ComponentStatus.choices, read_only=True)
    new_status = serializers.ChoiceField(choices=ComponentStatus.choices, read_only=True)


class IncidentUpdateSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=IncidentStatus.choices, read_only=True)
    body = serializers.CharField(read_only=True)
    incident_id = serializers.CharField(read_only=True)
    created_at = Timestamp(read_only=True)
    updated_at = Timestamp(read_only=True)
    display_at = Timestamp(read_only=True)
    affected_components = AffectedComponentSerializer(many=True, read_only=True, allow_null=True)
    deliver_notifications = serializers.BooleanField(read_only=True)
    custom_tweet = Constant(None, NULL_TEXT)
    tweet_id = Constant(None, NULL_TEXT)


class FullIncidentUpdateSerializer(IncidentUpdateSerializer):
    """An incident update as /v1 and webhooks send it."""

    wants_twitter_update = Constant(False, BOOLEAN)
    twitter_updated_at = Constant(None, NULL_TEXT)


class IncidentSerializer(serializers.Serializer):
    """An incident (or an announcement, which Statuspage's clients know as an incident)."""

    id = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=IncidentStatus.choices, read_only=True)
    created_at = Timestamp(read_only=True)
    updated_at = Timestamp(read_only=True)
    monitoring_at = Timestamp(read_only=True, allow_null=True)
    resolved_at = Timestamp(read_only=True, allow_null=True)
    impact = serializers.ChoiceField(choices=Impact.choices, read_only=True)
    shortlink = serializers.CharField(read_only=True)
    started_at = Timestamp(read_only=True, allow_null=True)
    page_id = PageId()
    incident_updates = IncidentUpdateSerializer(many=True, read_only=True, source="updates.all")
    components = ComponentSerializer(many=True, read_only=True, source="components.all")


class MaintenanceSerializer(IncidentSerializer):
    scheduled_for = Timestamp(read_only=True, allow_null=True)
    scheduled_until = Timestamp(read_only=True, allow_null=True)


class FullIncidentSerializer(MaintenanceSerializer):
    """An incident (or maintenance) as webhooks send it: every key Statuspage's incident
    object has, with Statuspage's values for the features we do not have (Twitter, backfill,
    ignoring a postmortem)."""

    impact_override = OptionalText(read_only=True)
    backfilled = Constant(False, BOOLEAN)
    scheduled_remind_prior = serializers.BooleanField(read_only=True)
    scheduled_reminded_at = Timestamp(read_only=True, allow_null=True)
    scheduled_auto_in_progress = serializers.BooleanField(read_only=True)
    scheduled_auto_completed = serializers.BooleanField(read_only=True)
    postmortem_body = OptionalText(read_only=True)
    postmortem_body_last_updated_at = Timestamp(
        read_only=True, allow_null=True, source="postmortem_draft_updated_at"
    )
    postmortem_ignored = Constant(False, BOOLEAN)
    postmortem_notified_subscribers = serializers.BooleanField(
        read_only=True, source="postmortem_notify_subscribers"
    )
    postmortem_notified_twitter = Constant(False, BOOLEAN)
    postmortem_published_at = Timestamp(read_only=True, allow_null=True)
    # Ours, beyond Statuspage: what visitors most need while something is down (the rest of
    # the structured notice rides beside the incident in a webhook: notify/payloads.py).
    cause = OptionalText(read_only=True)
    expected_recovery_at = Timestamp(read_only=True, allow_null=True)
    incident_updates = FullIncidentUpdateSerializer(many=True, read_only=True, source="updates.all")
    components = FullComponentSerializer(many=True, read_only=True, source="components.all")


class ManagedIncidentUpdateSerializer(FullIncidentUpdateSerializer):
    """An update as /v1 sends it: the full shape, its promise of the next update and its
    body in the other languages."""

    next_update_by = Timestamp(read_only=True, allow_null=True)
    translations = TranslationsOf("body")


@extend_schema_field(
    {"type": "array", "items": {"type": "string", "enum": list(Reassurance.values)}}
)
class ReassuranceCodes(serializers.ListField):
    def __init__(self) -> None:
        super().__init__(child=serializers.CharField(), read_only=True)


def _channel_ids(instance: Incident | IncidentTemplate) -> list[int]:
    return [c.pk for c in instance.channels.all()]


class ManagedIncidentSerializer(FullIncidentSerializer):
    """An incident as /v1 sends it: the full shape, what only its operators should see, the
    structured notice's fields as written (codes and ids, not rendered), and `translations`.
    """

    # Statuspage's separate switches for what our automatic transitions always do.
    auto_transition_to_maintenance_state = serializers.BooleanField(
        read_only=True, source="scheduled_auto_in_progress"
    )
    auto_transition_to_operational_state = serializers.BooleanField(
        read_only=True, source="scheduled_auto_completed"
    )
    metadata = serializers.DictField(read_only=True)
    kind = serializers.CharField(read_only=True)
    component_ids = serializers.SerializerMethodField()
    cause_note = OptionalText(read_only=True)
    reassurances = ReassuranceCodes()
    function_states = serializers.DictField(child=serializers.CharField(), read_only=True)
    channel_ids = serializers.SerializerMethodField()
    next_update_by = Timestamp(read_only=True, allow_null=True)
    translations = TranslationsOf("name", "cause_note")
    incident_updates = ManagedIncidentUpdateSerializer(
        many=True, read_only=True, source="updates.all"
    )

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_component_ids(self, incident: Incident) -> list[str]:
        return [c.id for c in incident.components.all()]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_channel_ids(self, incident: Incident) -> list[int]:
        return _channel_ids(incident)


class PageSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True)
    time_zone = serializers.CharField(read_only=True)
    updated_at = Timestamp(read_only=True)


def status_object(indicator: Indicator) -> dict:
    """/api/v2's `status`: the roll-up as {indicator, description}."""
    return {"indicator": indicator.indicator, "description": indicator.description}


def webhook_page(page: Page, indicator: Indicator) -> dict:
    """A webhook payload's `page`: the page with its roll-up."""
    return {
        "id": page.pk,
        "status_indicator": indicator.indicator,
        "status_description": indicator.description,
    }


# The keys of the component a component-change webhook carries (the reference lists them).
COMPONENT_CHANGE_KEYS = (
    "status",
    "name",
    "created_at",
    "updated_at",
    "position",
    "description",
    "showcase",
    "id",
    "page_id",
    "group_id",
)


def component_change(change: StatusChange, page: Page) -> dict:
    """A component-change webhook's `component_update` and `component`."""
    component = ComponentSerializer(change.component, context={"page": page}).data
    return {
        "component_update": {
            "id": str(change.pk),
            "component_id": change.component_id,
            "component_type": "Component",
            "old_status": change.old_status,
            "new_status": change.new_status,
            "created_at": statuspage_time(change.at, page.zone),
        },
        "component": {key: component[key] for key in COMPONENT_CHANGE_KEYS},
    }


# --- What only the management API (/v1) sends. ---


class ComponentGroupSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    page_id = PageId()
    name = serializers.CharField(read_only=True)
    description = OptionalText(read_only=True)
    components = serializers.SerializerMethodField()
    position = serializers.IntegerField(read_only=True)
    created_at = Timestamp(read_only=True)
    updated_at = Timestamp(read_only=True)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_components(self, group: ComponentGroup) -> list[str]:
        return [c.id for c in group.components.all()]


class PostmortemSerializer(serializers.Serializer):
    preview_key = Constant(None, NULL_TEXT)
    body = OptionalText(read_only=True, source="postmortem_body")
    body_updated_at = Timestamp(read_only=True, allow_null=True, source="postmortem_published_at")
    body_draft = OptionalText(read_only=True, source="postmortem_body_draft")
    body_draft_updated_at = Timestamp(
        read_only=True, allow_null=True, source="postmortem_draft_updated_at"
    )
    published_at = Timestamp(read_only=True, allow_null=True, source="postmortem_published_at")
    notify_subscribers = serializers.BooleanField(
        read_only=True, source="postmortem_notify_subscribers"
    )
    notify_twitter = Constant(False, BOOLEAN)
    custom_tweet = Constant(None, NULL_TEXT)
    created_at = Timestamp(read_only=True, allow_null=True, source="postmortem_draft_updated_at")
    updated_at = Timestamp(read_only=True)


class IncidentTemplateSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    group_id = Constant(None, NULL_TEXT)
    update_status = serializers.ChoiceField(choices=IncidentStatus.choices, read_only=True)
    should_tweet = Constant(False, BOOLEAN)
    should_send_notifications = serializers.BooleanField(read_only=True)
    component_ids = serializers.SerializerMethodField()
    components = FullComponentSerializer(many=True, read_only=True, source="components.all")
    created_at = Timestamp(read_only=True)
    updated_at = Timestamp(read_only=True)
    # Ours: what an incident opened from the template starts with.
    cause = OptionalText(read_only=True)
    cause_note = OptionalText(read_only=True)
    reassurances = ReassuranceCodes()
    channel_ids = serializers.SerializerMethodField()
    translations = TranslationsOf("title", "body", "cause_note")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_component_ids(self, template) -> list[str]:
        return [c.id for c in template.components.all()]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_channel_ids(self, template: IncidentTemplate) -> list[int]:
        return _channel_ids(template)


class ManagedPageSerializer(serializers.Serializer):
    """Statuspage's page object. Only name, time_zone and url (the product's own site) are
    ours to change; the other keys describe fixed behaviour of this installation."""

    id = serializers.CharField(read_only=True)
    created_at = Constant(None, NULL_TEXT)
    updated_at = Timestamp(read_only=True)
    name = serializers.CharField(read_only=True)
    page_description = Constant(None, NULL_TEXT)
    headline = Constant(None, NULL_TEXT)
    branding = Constant("basic", {"type": "string"})
    subdomain = Constant(None, NULL_TEXT)
    domain = serializers.SerializerMethodField()
    url = OptionalText(read_only=True, source="homepage_url")
    support_url = Constant(None, NULL_TEXT)
    hidden_from_search = Constant(False, BOOLEAN)
    allow_page_subscribers = Constant(True, BOOLEAN)
    allow_incident_subscribers = Constant(True, BOOLEAN)
    allow_email_subscribers = Constant(True, BOOLEAN)
    allow_sms_subscribers = Constant(False, BOOLEAN)
    allow_rss_atom_feeds = Constant(True, BOOLEAN)
    allow_webhook_subscribers = Constant(True, BOOLEAN)
    notifications_from_email = serializers.SerializerMethodField()
    notifications_email_footer = Constant(None, NULL_TEXT)
    activity_score = Constant(0, {"type": "integer"})
    twitter_username = Constant(None, NULL_TEXT)
    viewers_must_be_team_members = Constant(False, BOOLEAN)
    ip_restrictions = Constant(None, NULL_TEXT)
    city = Constant(None, NULL_TEXT)
    state = Constant(None, NULL_TEXT)
    country = Constant(None, NULL_TEXT)
    time_zone = serializers.CharField(read_only=True)
    css_body_background_color = Constant(None, NULL_TEXT)
    css_font_color = Constant(None, NULL_TEXT)
    css_light_font_color = Constant(None, NULL_TEXT)
    css_greens = Constant(None, NULL_TEXT)
    css_yellows = Constant(None, NULL_TEXT)
    css_oranges = Constant(None, NULL_TEXT)
    css_blues = Constant(None, NULL_TEXT)
    css_reds = Constant(None, NULL_TEXT)
    css_border_color = Constant(None, NULL_TEXT)
    css_graph_color = Constant(None, NULL_TEXT)
    css_link_color = Constant(None, NULL_TEXT)
    css_no_data = Constant(None, NULL_TEXT)
    favicon_logo = Constant(None, NULL_TEXT)
    transactional_logo = Constant(None, NULL_TEXT)
    hero_cover = Constant(None, NULL_TEXT)
    email_logo = Constant(None, NULL_TEXT)
    twitter_logo = Constant(None, NULL_TEXT)

    def get_domain(self, page: Page) -> str:
        return urlsplit(settings.PUBLIC_URL).netloc

    def get_notifications_from_email(self, page: Page) -> str:
        return settings.DEFAULT_FROM_EMAIL


class FunctionSerializer(serializers.Serializer):
    """A function (borrow, repay, …) as /v1 sends it: its name, the components it depends on,
    and its state now (`states` in the context: {function id: state}, see
    status.notice.function_lines)."""

    id = serializers.CharField(read_only=True)
    page_id = PageId()
    name = serializers.CharField(read_only=True)
    translations = TranslationsOf("name")
    component_ids = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()
    position = serializers.IntegerField(read_only=True)
    created_at = Timestamp(read_only=True)
    updated_at = Timestamp(read_only=True)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_component_ids(self, function: Function) -> list[str]:
        return [c.id for c in function.components.all()]

    @extend_schema_field({"type": "string", "enum": list(FunctionState.values), "nullable": True})
    def get_state(self, function: Function) -> str | None:
        return self.context.get("states", {}).get(function.pk)


class ChannelSerializer(serializers.Serializer):
    """An alternative channel as /v1 sends it: a link, a phone number (E.164, and as people
    dial it in the page's country), or both."""

    id = serializers.IntegerField(read_only=True)
    page_id = PageId()
    # A declared field (the serializer's metaclass takes it), not Serializer.label.
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    translations = TranslationsOf("label")
    url = OptionalText(read_only=True)
    phone = serializers.SerializerMethodField()
    phone_display = OptionalText(read_only=True)
    tel = OptionalText(read_only=True, source="tel_url")
    position = serializers.IntegerField(read_only=True)
    created_at = Timestamp(read_only=True)
    updated_at = Timestamp(read_only=True)

    @extend_schema_field(NULL_TEXT)
    def get_phone(self, channel: AlternativeChannel) -> str | None:
        return channel.phone.as_e164 if channel.phone else None

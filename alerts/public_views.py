"""Public information, no login (the plan: the propaganda department and the media spread the warnings).

- ``/public/``: the official warning in force for the district, its advice, recent history;
- ``/public/alerts/<id>/cap.xml``: the warning's latest CAP 1.2 message, and
  ``/public/alerts/<id>/cap/<version>.xml`` each message it ever had (they never change);
- ``/public/feed.atom``: an Atom feed of the official messages, newest first.

Only warnings that were issued are public: one awaiting approval or rejected answers
404, as if it did not exist. Drills are public at their own CAP URLs (status Exercise,
marked 演练/DRILL), but they never show on the public page and never enter the feed:
the feed is what media and other systems relay, and a relayed drill reads as a real
warning once its markings are lost.

Caching: the page is ``private`` (it carries a CSRF token for the language switch, and
a signed-in user's name), the XML and the feed are ``public``; all for 30 seconds, so a
new warning reaches every reader within half a minute.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from alerts import advice
from alerts.cap import CAP_CONTENT_TYPE, cap_bytes, description, headline, messages_for, sender_name, xml_text
from alerts.choices import Status
from alerts.models import Alert

CACHE_SECONDS = 30
HISTORY_SIZE = 10
FEED_SIZE = 50


def published_alerts():
    """Warnings the public may see: issued at some point (in force, superseded or lifted), drills included."""
    # With their origin (alerts.origins): the health advice and CAP's instruction read the forecast behind each.
    return Alert.objects.with_origin().exclude(status__in=(Status.PENDING_APPROVAL, Status.REJECTED)).exclude(issued_at=None)


def _public_url(request) -> str:
    return request.build_absolute_uri(reverse("public-home"))


def _warning_context(alert: Alert, language: str) -> dict:
    return {
        "alert": alert,
        "title": advice.level_title(alert.level, language),
        "response_title": advice.response_title(alert.level, language),
        "advice": advice.alert_advice(alert, language),
    }


def _history_row(alert: Alert, language: str) -> dict:
    successor = getattr(alert, "superseded_by", None) if alert.status == Status.SUPERSEDED else None
    return {
        "alert": alert,
        "title": advice.level_title(alert.level, language),
        "ended_at": alert.lifted_at or (successor.issued_at if successor else None),
        "superseded": successor is not None,
    }


@require_safe
@cache_control(max_age=CACHE_SECONDS, private=True)
def home(request):
    """The warning in force for the district (drills never count), what to do, and the last ten warnings."""
    language = get_language()
    # A warning past its planned end is shown as ended at once, not only after the beat's next round.
    official_in_force = Alert.objects.with_origin().in_force().official().not_ended()
    current = official_in_force.filter(area=settings.DISTRICT_NAME).order_by("-issued_at").first()
    # Warnings for a part of the district (a town, an industrial park) are rare but shown too.
    others = official_in_force.exclude(area=settings.DISTRICT_NAME).order_by("area")
    history = published_alerts().official().select_related("superseded_by").order_by("-issued_at", "-id")[:HISTORY_SIZE]
    context = {
        "current": _warning_context(current, language) if current else None,
        "no_warning_advice": advice.advice_for(None, language)["health"],
        "others": [_warning_context(alert, language) for alert in others],
        "history": [_history_row(alert, language) for alert in history],
    }
    return render(request, "public/home.html", context)


@require_safe
@cache_control(max_age=CACHE_SECONDS, public=True)
def cap(request, pk: int, version: int | None = None):
    """A warning's CAP message: the latest one, or the one of ``version`` (1 issue, 2 lift)."""
    alert = get_object_or_404(published_alerts().select_related("supersedes"), pk=pk)
    messages = messages_for(alert)
    if version is not None:
        messages = [message for message in messages if message.version == version]
    if not messages:
        raise Http404("No such CAP message.")
    body = cap_bytes(messages[-1], web=_public_url(request))
    return HttpResponse(body, content_type=f"{CAP_CONTENT_TYPE}; charset=utf-8")


class CapAtomFeed(Feed):
    """The official CAP messages, newest first, each entry linking to its message.

    In Chinese whatever the reader's language: the feed is cached publicly, and each
    CAP message it links to carries both Chinese and English.
    """

    feed_type = Atom1Feed
    language = "zh-CN"

    def title(self):
        return f"{settings.DISTRICT_NAME}空气重污染预警信息"

    def subtitle(self):
        return f"{sender_name('zh')}发布的空气重污染预警（CAP 1.2）"

    def link(self):
        return reverse("public-home")

    def feed_url(self):
        return reverse("public-feed")

    def author_name(self):
        return sender_name("zh")

    def items(self):
        alerts = (
            published_alerts()
            .official()
            .select_related("supersedes")
            .annotate(last_change=Coalesce("lifted_at", "issued_at"))
            .order_by("-last_change", "-id")[:FEED_SIZE]
        )
        messages = [message for alert in alerts for message in messages_for(alert)]
        messages.sort(key=lambda message: (message.sent, message.alert.pk, message.version), reverse=True)
        return messages[:FEED_SIZE]

    def item_title(self, item):
        return xml_text(headline(item, "zh"))

    def item_description(self, item):
        # Atom1Feed marks the summary type="html": a reason is plain text, so it is
        # HTML-escaped here, or a "<script>" in it would reach feed readers as markup.
        return escape(xml_text(description(item, "zh"))).replace("\n", "<br>")

    def item_link(self, item):
        return reverse("public-cap-message", kwargs={"pk": item.alert.pk, "version": item.version})

    def item_pubdate(self, item):
        return item.sent

    def item_updateddate(self, item):
        return item.sent

    def item_categories(self, item):
        return [item.msg_type, item.alert.level]


feed = require_safe(cache_control(max_age=CACHE_SECONDS, public=True)(CapAtomFeed()))

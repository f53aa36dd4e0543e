"""Pagination for every API list and page list: a bounded page, and 400 for a page that cannot be.

DRF's ``LimitOffsetPagination`` quietly falls back to its default for ``limit=abc``, has no maximum
unless one is set (``limit=1000000000`` returned whole tables), and passes an offset beyond
PostgreSQL's bigint to the database (``limit=99999999999999999999`` was a 500). Issue 12 item 11:
a maximum page size on every list, and 400, with a message, for what is not a number in range.
"""

from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

# Far beyond any table here, well inside PostgreSQL's OFFSET (bigint) and a 32-bit int.
MAX_OFFSET = 2**31 - 1
MAX_PAGE_NUMBER = 2**31 - 1


def whole_number(name: str, raw: str, *, low: int, high: int) -> int:
    """``raw`` as an int in ``low..high``; ValidationError (400) ``{name: message}`` otherwise.

    Accepts only ASCII digits (no sign, no spaces, no ``1e3``, no fullwidth digits), so that what
    the message says is exactly what is accepted.
    """
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12 or not low <= int(text) <= high:
        raise ValidationError(
            {name: [_("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}]}
        )
    return int(text)


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """``?limit=&offset=`` with ``limit`` in 1..``max_limit`` and ``offset`` in 0..``MAX_OFFSET``.

    The default page is ``PAGE_SIZE`` (100); the maximum is ``API_MAX_PAGE_SIZE`` (500). Anything
    else answers 400 naming the parameter, before any query runs. ``count`` is exact up to
    ``API_EXACT_COUNT`` rows past the offset (``get_count``).
    """

    default_limit = None  # PAGE_SIZE, read when the class is used (settings may be overridden in tests)
    max_limit = None

    def get_limit(self, request):
        maximum = self.max_limit or settings.API_MAX_PAGE_SIZE
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return min(self.default_limit or settings.REST_FRAMEWORK["PAGE_SIZE"], maximum)
        return whole_number(self.limit_query_param, raw, low=1, high=maximum)

    def get_count(self, queryset):
        """``count`` without counting years of rows: exact when at most ``API_EXACT_COUNT`` (1,000) rows follow
        the offset, else ``offset + API_EXACT_COUNT + 1``, a floor that says "more than" (issue 13 §4).

        A ``COUNT(*)`` of a whole table grows with every year kept (60,000 assignments after three years:
        ~19 ms of a busy server's time on each page of the command's ``/api/assignments/``); this one stops
        after ``API_EXACT_COUNT + 1`` rows, in any order (``ORDER BY`` dropped: counting needs none).
        ``next`` and ``previous`` stay right: a next page exists exactly when rows follow this one. Past
        the end (no row after the offset) the true count is read, so that the answer says how many there are.
        """
        if not hasattr(queryset, "order_by"):
            return len(queryset)
        cap = settings.API_EXACT_COUNT
        offset = self.get_offset(self.request)
        following = queryset.order_by()[offset : offset + cap + 1].count()
        if following == 0 and offset > 0:
            return queryset.count()
        return offset + following

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count"]["description"] = (
            f"How many items: exact when at most {settings.API_EXACT_COUNT} follow the offset; otherwise "
            f"offset + {settings.API_EXACT_COUNT + 1}, meaning more than that (follow `next` to the end)."
        )
        return answer

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        return whole_number(self.offset_query_param, raw, low=0, high=MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        maximum = self.max_limit or settings.API_MAX_PAGE_SIZE
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update(minimum=1, maximum=maximum)
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"].update(minimum=0, maximum=MAX_OFFSET)
        return parameters


def page_of(request, items, per_page: int, *, name: str = "page"):
    """The page ``?page=`` (or ``?<name>=``, for a second list on one page) names of ``items`` (Django's
    ``Paginator``), for the HTML lists.

    An absent page is the first; a number beyond the last page is the last (a list that shrank
    while it was open). Raises ``BadRequest`` (400) for what is not a whole number from 1 to
    ``MAX_PAGE_NUMBER``, as the API does for its ``limit`` and ``offset``.
    """
    raw = request.GET.get(name)
    if raw is None or raw == "":
        number = 1
    else:
        text = raw.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 12 or not 1 <= int(text) <= MAX_PAGE_NUMBER:
            raise BadRequest(_("The page must be a whole number from 1 to %(high)s.") % {"high": MAX_PAGE_NUMBER})
        number = int(text)
    paginator = Paginator(items, per_page)
    return paginator.page(min(number, paginator.num_pages))

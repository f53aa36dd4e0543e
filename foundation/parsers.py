"""JSON that is nested too deeply is refused before it is parsed (issue 12 item 12).

Python's ``json`` recurses once per level: about 950 levels in ``POST /api/alerts/`` or
``/api/forecasts/`` raised RecursionError, a 500. Nothing the platform reads is deeper than a few
levels (a forecast is an object of a list of objects of lists), so the depth is counted first, on
the raw text, without recursion, and anything deeper than ``MAX_JSON_DEPTH`` is a 400.
"""

import codecs
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

MAX_JSON_DEPTH = 32

# A JSON string (escapes included), written so that the regex engine never backtracks.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """How deeply the arrays and objects of ``text`` nest (0 for a scalar), counted without parsing.

    Brackets inside strings do not count. Text that is not JSON gives some number; the parser
    refuses it afterwards anyway.
    """
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``text`` nests arrays and objects more than ``limit`` levels deep."""
    return json_depth(text) > limit


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a depth limit: ParseError (400) beyond ``MAX_JSON_DEPTH`` levels.

    The default parser of every API view (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``) and of the
    views that name their parsers. Like DRF's, it refuses NaN and Infinity in strict mode.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            if json_too_deep(text):
                raise ParseError(_("The JSON is nested more than %(depth)s levels deep.") % {"depth": MAX_JSON_DEPTH})
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:  # UnicodeDecodeError included, as in DRF's parser
            raise ParseError(f"JSON parse error - {exc}") from None

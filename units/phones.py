"""Chinese telephone numbers: the one validator and the one stored form of every phone on the platform.

Parsing and the numbering plan come from ``phonenumbers`` (Google's libphonenumber metadata,
pinned in requirements.txt), never from a hand-kept regex: mobile numbers are eleven digits
``1[3-9]…``; landlines carry their area code (``023-`` for Chongqing). Its metadata accepts a
landline whose local number starts with 0 or 1; China's numbering plan (工业和信息化部《电信网编号计划》)
keeps 0 for the trunk prefix and 1 for mobile and service codes, so those are refused here too.
"""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

REGION = "CN"
_ACCEPTED = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
INVALID = _("Enter a Chinese mobile number (11 digits, 1[3-9]…) or a landline with its area code, e.g. 023-4567-8901.")


def _parse(value: str) -> phonenumbers.PhoneNumber:
    try:
        number = phonenumbers.parse(value, REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(INVALID, code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) != REGION:
        raise ValidationError(INVALID, code="invalid_phone")
    kind = phonenumbers.number_type(number)
    if kind not in _ACCEPTED:
        raise ValidationError(INVALID, code="invalid_phone")
    if kind != phonenumbers.PhoneNumberType.MOBILE:
        national = phonenumbers.national_significant_number(number)
        local = national[phonenumbers.length_of_geographical_area_code(number):]
        if not local or local[0] in "01":
            raise ValidationError(INVALID, code="invalid_phone")
    return number


def validate_cn_phone(value: str) -> None:
    """Django validator: ``value`` is a valid Chinese mobile or landline number.

    Args: value, as typed (spaces, hyphens, brackets and a ``+86`` prefix are accepted).
    Raises ValidationError (code ``invalid_phone``): a 400 in the API, a form message on pages.
    Empty values are left to the field's ``blank`` option.
    """
    if value:
        _parse(value)


def normalize_cn_phone(value: str) -> str:
    """The stored form of a valid number: national digits grouped by hyphens, e.g. ``023-4567-8901``,
    ``139-0000-0101``. Empty stays empty. Raises ValidationError like ``validate_cn_phone``."""
    if not value:
        return ""
    number = _parse(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL).replace(" ", "-")

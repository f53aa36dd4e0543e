"""Who may read and keep the on-duty roster. Services enforce; pages and the admin only ask."""

from units.permissions import keeps_records, reads_every_unit


def may_view_duty(user) -> bool:
    """The command and the roster admin see the roster and who is on duty now."""
    return reads_every_unit(user)  # the roster admin keeps it, though not the command (units.permissions)


def may_edit_duty(user) -> bool:
    """The office keeps the watch (附件1 二 应急值守) and its roster; the roster admin may correct it."""
    return keeps_records(user)

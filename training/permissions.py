"""Who may read and keep the training and drill register. Services enforce; pages and the admin only ask."""

from units.permissions import keeps_records, reads_every_unit


def may_view_training(user) -> bool:
    """The command and the roster admin read the register and its attachments."""
    return reads_every_unit(user)  # the roster admin keeps it, though not the command (units.permissions)


def may_edit_training(user) -> bool:
    """The office organises publicity, training and drills (附件1 二); the roster admin may correct the register."""
    return keeps_records(user)

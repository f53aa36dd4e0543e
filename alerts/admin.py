"""Warnings have no admin pages, on purpose.

A warning changes only through ``alerts.services`` (the transition table, the area lock, the audit
entry and the event), never by editing a row; and the admin site is the roster admin's, who is not
the command (``units.permissions``) and may not read what only the command sees of a warning (who
refused it and why, a lift request: ``alerts.selectors.alert_as_seen_by``). The command reads
warnings on their pages (``alerts.views``) and through ``/api/alerts/``; the audit trail is in the
admin site read-only (``events.admin``).
"""

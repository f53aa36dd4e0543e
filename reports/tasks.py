"""Celery tasks: thin wrappers around reports.services (idempotent: every step is a conditional claim)."""

from celery import shared_task

from reports import services, summaries


@shared_task(acks_late=True)
def run_reporting_cycle() -> dict:
    """Open the day's reports, remind and escalate the missing ones (issue 17 item 1); open the units'
    summaries of the responses that ended, remind and escalate the late ones (item 3)."""
    return {**services.report_days_open(), **services.daily_reports_remind(),
            "summaries_opened": summaries.summaries_open(), **summaries.summaries_remind()}

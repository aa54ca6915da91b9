"""``manage.py retention [--delete] [--days-ahead N]``: the retention dry run, or the run.

Without ``--delete`` nothing changes: it lists the closed cases that fall due within the
next N days (default 60), with the day the nightly job will delete each, and those on
legal hold. With ``--delete`` it does what the nightly job does, now.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from participants import retention


class Command(BaseCommand):
    help = "List the closed cases due for deletion (a dry run), or delete them with --delete."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--delete", action="store_true", help="Delete the cases that are due now."
        )
        parser.add_argument("--days-ahead", type=int, default=60, metavar="N")

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        if options["delete"]:
            deleted = retention.delete_expired_cases(today=today)
            self.stdout.write(f"Deleted {deleted} cases.")
            return
        schedule = retention.retention_schedule(today=today, days_ahead=options["days_ahead"])
        self.stdout.write("reference\torganisation\tlast entry\tdue\tdeleted on\tstatus")
        for case in schedule:
            if case.held:
                status = "legal hold: kept"
            elif case.is_deletable(today):
                status = "deleted at the next run"
            else:
                status = "listed"
            if case.is_late(today):
                status += "; past the deadline " + case.deadline.isoformat()
            self.stdout.write(
                "\t".join(
                    [
                        case.participant.reference,
                        case.participant.organisation.slug,
                        case.last_entry.isoformat(),
                        case.due_on.isoformat(),
                        case.delete_on.isoformat(),
                        status,
                    ]
                )
            )
        counts = retention.schedule_counts(schedule, today)
        self.stdout.write(
            f"{len(schedule)} cases listed: {counts.deletable} due for deletion now, "
            f"{counts.held} on legal hold. Dry run: nothing was deleted."
        )

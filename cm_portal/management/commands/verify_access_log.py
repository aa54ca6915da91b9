from django.core.management.base import BaseCommand, CommandError

from cm_portal.access_log import verify_chain


class Command(BaseCommand):
    help = "Check the access log's hash chain; report the first broken link."

    def handle(self, *args, **options):
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"Broken at access event {broken.event_id} after {checked} good rows: "
                f"{broken.reason}."
            )
        self.stdout.write(f"The access log is intact: {checked} rows checked.")

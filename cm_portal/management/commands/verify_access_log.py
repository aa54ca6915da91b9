from django.core.management.base import BaseCommand, CommandError

from cm_portal.access_log import verify_against, verify_chain


class Command(BaseCommand):
    help = (
        "Check the access log's hash chain; report the first broken link. With --expect HASH "
        "(the head e-mailed some night), also require a row with exactly that hash."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--expect",
            metavar="HASH",
            help="a head of the chain sent out earlier: the chain must be intact and hold it",
        )

    def handle(self, *args, **options):
        if options["expect"]:
            result = verify_against(options["expect"])
            if not result.ok:
                raise CommandError(result.message)
            self.stdout.write(result.message)
            return
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"Broken at access event {broken.event_id} after {checked} good rows: "
                f"{broken.reason}."
            )
        self.stdout.write(f"The access log is intact: {checked} rows checked.")

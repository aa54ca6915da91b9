"""``manage.py programme_goal --programme SLUG --kind KIND [--target N] [--target-percent P]
[--window-days D] [--horizon-months M]``: give a programme a goal, or change the one it has.

The kinds and the parameters each takes are those of the catalogue (``programmes.goals``);
a parameter the kind does not take, one it needs but lacks, or one out of bounds (a window of
0 days, a target of 140 %) is refused with a message and a non-zero exit. Each change is kept
with when it was made (by the command: no account).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cm_portal.management.commands.create_organisation import _messages
from cm_portal.programmes.goals import CATALOGUE
from cm_portal.programmes.models import Programme
from cm_portal.programmes.services import programme_goal_set


class Command(BaseCommand):
    help = "Give a programme a goal from the catalogue, with its parameters."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", required=True, metavar="SLUG")
        parser.add_argument("--kind", required=True, choices=list(CATALOGUE))
        parser.add_argument("--target", type=int, metavar="N")
        parser.add_argument("--target-percent", type=int, metavar="P")
        parser.add_argument("--window-days", type=int, metavar="D")
        parser.add_argument("--horizon-months", type=int, metavar="M")

    def handle(self, *args, **options) -> None:
        programme = Programme.objects.filter(slug=options["programme"]).first()
        if programme is None:
            known = ", ".join(Programme.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"Unknown programme '{options['programme']}' (known: {known}).")
        try:
            goal = programme_goal_set(
                programme=programme,
                kind=options["kind"],
                target=options["target"],
                target_percent=options["target_percent"],
                window_days=options["window_days"],
                horizon_months=options["horizon_months"],
                actor=None,
            )
        except ValidationError as error:
            raise CommandError(_messages(error)) from error
        parameters = ", ".join(f"{name}={value}" for name, value in goal.parameters.items())
        self.stdout.write(
            f"Programme {programme.slug}: goal {goal.kind} ({parameters}), "
            f"definition version {goal.version}"
        )

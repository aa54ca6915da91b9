"""``manage.py verify_kpi_facts [--programme SLUG] [--repair]``: recompute every participant's
KPI facts from the case tables and print where the facts table differs (``reporting.facts``),
and the same for the contacts by month (``reporting.contact_months``).

Exits non-zero when anything differs. ``--repair`` then rewrites the differing programmes'
rows (of the table that differs) with the database's own refresh. Participants are named by
their key only.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cm_portal.programmes.models import Programme
from reporting import contact_months
from reporting.facts import differences, rebuild
from reporting.kpis import facts_maintained


class Command(BaseCommand):
    help = "Compare the KPI facts table with the case tables; exit 1 on any difference."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", metavar="SLUG", help="Only this programme.")
        parser.add_argument(
            "--repair",
            action="store_true",
            help="After reporting, rewrite the facts of the programmes that differ.",
        )

    def handle(self, *args, **options) -> None:
        if not facts_maintained():
            self.stdout.write(
                _("This database keeps no KPI facts: the reports count the case tables.")
            )
            return
        programmes = Programme.objects.order_by("slug")
        if options["programme"]:
            programmes = programmes.filter(slug=options["programme"])
            if not programmes.exists():
                raise CommandError(
                    _("No programme has the short name '%(slug)s'.")
                    % {"slug": options["programme"]}
                )
        total = 0
        for programme in programmes:
            found = differences(programme)
            months = contact_months.differences(programme)
            total += len(found) + len(months)
            for difference in [*found, *months]:
                self.stdout.write(f"{programme.slug}: {difference}")
            if found and options["repair"]:
                rebuild(programme)
                self.stdout.write(_("%(slug)s: facts rewritten.") % {"slug": programme.slug})
            if months and options["repair"]:
                contact_months.rebuild(programme)
                self.stdout.write(
                    _("%(slug)s: contacts by month rewritten.") % {"slug": programme.slug}
                )
            if not found and not months:
                self.stdout.write(_("%(slug)s: no difference.") % {"slug": programme.slug})
        if total:
            raise CommandError(
                _("%(count)d differences between the KPI facts and the case tables.")
                % {"count": total}
            )

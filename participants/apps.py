from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = _("Participants")

    def ready(self) -> None:
        from cm_portal.access_log_display import register_object_namer
        from cm_portal.events import on_staff_moved

        from .events import on_case_changed
        from .models import Participant
        from .retention import note_entry
        from .services import assignments_end_for_moved_staff

        def references(ids: list[str]) -> dict[str, str]:
            numbers = [int(i) for i in ids if i.isdigit()]
            rows = Participant.objects.filter(pk__in=numbers).values_list("pk", "reference")
            return {str(pk): reference for pk, reference in rows}

        # The access log names a participant by reference, never by name (issue 17).
        register_object_namer("participant", references)
        on_case_changed(note_entry)
        on_staff_moved(assignments_end_for_moved_staff)

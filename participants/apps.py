from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = _("Participants")

    def ready(self) -> None:
        from cm_portal.events import on_staff_moved

        from .events import on_case_changed
        from .retention import note_entry
        from .services import assignments_end_for_moved_staff

        on_case_changed(note_entry)
        on_staff_moved(assignments_end_for_moved_staff)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from participants.events import on_case_changed


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Plans")

    def ready(self) -> None:
        # The case file's plan parts: consent's case-file package must not import plans.
        from consent.case_files import sections

        from .case_files import register_sections
        from .selectors.documents import add_plan_labels

        register_sections()
        _register_documents()
        sections.register_labeller(add_plan_labels)
        on_case_changed(enqueue_deadline_recomputation)


def _register_documents() -> None:
    from cm_portal import pdf

    from .models import PlanDocument
    from .services import documents

    pdf.register(
        PlanDocument,
        # Looked up at run time, so tests can replace the service.
        render=lambda document: documents.plan_document_pdf(document),
        stored=lambda document: documents.plan_document_stored(document),
        related=("participant", "meeting__created_by__organisation", "requested_by"),
    )


def enqueue_deadline_recomputation(participant_id: int) -> None:
    """A participant's case data changed: recompute their deadlines after the commit."""
    from cm_portal import outbox

    outbox.enqueue(
        "plans.tasks.recompute_deadlines", participant_id, dedupe_key=f"deadlines:{participant_id}"
    )

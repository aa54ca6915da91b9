from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Plans")

    def ready(self) -> None:
        # The case file's plan parts: consent's case-file package must not import plans.
        from consent.case_files import sections

        from .case_files import register_sections
        from .selectors.documents import add_plan_labels

        register_sections()
        sections.register_labeller(add_plan_labels)

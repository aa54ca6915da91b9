"""The plan parts of the case-file format, one module a subject.

Each module holds ``SECTIONS``, the ``consent.case_files.sections.Section`` objects it
adds to a case; ``register_sections`` (called from ``PlansConfig.ready``) registers them.
"""

from __future__ import annotations

from consent.case_files import sections

from . import crisis_plan, individual_plan, meetings, prioritised_contacts, self_ratings

SUBJECTS = (individual_plan, prioritised_contacts, crisis_plan, self_ratings, meetings)


def register_sections() -> None:
    for subject in SUBJECTS:
        for section in subject.SECTIONS:
            sections.register(section)

from __future__ import annotations

from consent.case_files.sections import Section

SECTIONS: list[Section] = []

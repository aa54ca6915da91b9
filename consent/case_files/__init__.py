"""The case-file format (docs/case-file-format.md): export and all-or-nothing import.

- ``exporting``: a participant as a case, every key in the format's order;
- ``importing``: validate the whole file, then write every case through the services, or none;
- ``readers``: typed readers and errors named by case and field path;
- ``sections``: the registry through which higher apps (plans) add their parts of a case.
- ``right_of_access``: the participant's own copy, the case with labels, for the readable PDF.
"""

from .exporting import FORMAT, VERSION, case_data, dumps, export_cases, participants_for_export
from .importing import CaseFileInvalid, ImportResult, import_case_files

__all__ = [
    "FORMAT",
    "VERSION",
    "CaseFileInvalid",
    "ImportResult",
    "case_data",
    "dumps",
    "export_cases",
    "import_case_files",
    "participants_for_export",
]

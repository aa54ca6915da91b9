"""The Swedish catalogue: complete, compiled, in step with the source, and used by the pages.

Swedish is the default language and the msgids are English, so a string missing from
locale/sv/LC_MESSAGES/django.po shows up in English. These tests fail, listing the strings,
when someone adds a translatable string without translating it. To fix: `make messages`
(or the makemessages command in `_makemessages` below), translate, then compilemessages.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
PO_FILE = ROOT / "locale" / "sv" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")

# The same folders the documented makemessages run leaves out.
MAKEMESSAGES_IGNORE = [".venv/*", ".tools/*", "tests/*", "var/*"]
# Top-level entries not copied for the fresh makemessages run (dot folders are skipped
# by makemessages anyway; the others are ignored by MAKEMESSAGES_IGNORE).
NOT_COPIED = {"tests", "var", "locale"}


# A small PO reader, enough for the files makemessages writes.


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def is_translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and "fuzzy" not in self.flags

    def label(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"{self.msgid!r}{context}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')
_CONTINUATION = re.compile(r'^"(.*)"\s*$')


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def parse_po(text: str) -> tuple[dict[str, str], list[Entry]]:
    """The header (as a dict) and the entries; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int | None] | None = None
    has_content = False

    def flush() -> None:
        nonlocal current, target, has_content
        if has_content:
            entries.append(current)
        current, target, has_content = Entry(), None, False

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#"):
            if current.msgstr:
                flush()
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        keyword = _KEYWORD.match(line)
        if keyword:
            name, index, value = keyword.group(1), keyword.group(2), _unescape(keyword.group(3))
            if name in ("msgctxt", "msgid") and current.msgstr:
                flush()
            if not has_content:
                current.line = number
            has_content = True
            if name.startswith("msgstr"):
                target = ("msgstr", int(index) if index is not None else 0)
                current.msgstr[target[1]] = value
            else:
                target = (name, None)
                setattr(current, name, value)
            continue
        continuation = _CONTINUATION.match(line)
        if continuation and target is not None:
            value = _unescape(continuation.group(1))
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, getattr(current, name) + value)
            continue
        raise ValueError(f"line {number}: cannot read {raw!r}")
    flush()

    header: dict[str, str] = {}
    if entries and entries[0].msgid == "" and entries[0].msgctxt is None:
        for header_line in entries.pop(0).msgstr.get(0, "").splitlines():
            name, _sep, value = header_line.partition(":")
            header[name.strip()] = value.strip()
    return header, entries


@pytest.fixture(scope="module")
def catalogue() -> tuple[dict[str, str], list[Entry]]:
    assert PO_FILE.exists(), f"{PO_FILE} is missing: run makemessages --locale sv"
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _restore_language():
    """The pages below activate English in this thread; later tests expect Swedish."""
    language = translation.get_language()
    yield
    translation.activate(language)


def _msgfmt() -> str:
    path = shutil.which("msgfmt")
    assert path, "msgfmt is missing: install gettext (make system-packages)"
    return path


# The committed catalogue.


def test_header(catalogue):
    header, _entries = catalogue
    assert header.get("Language") == "sv"
    assert header.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"
    assert header.get("Content-Type") == "text/plain; charset=UTF-8"


def test_msgfmt_reports_everything_translated():
    result = subprocess.run(  # noqa: S603
        [_msgfmt(), "--check", "--statistics", "-o", os.devnull, str(PO_FILE)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    report = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, report
    # "231 translated messages." alone; untranslated or fuzzy ones are added after a comma.
    assert re.fullmatch(r"\d+ translated messages?\.", report.splitlines()[-1]), report


def test_every_entry_is_translated(catalogue):
    _header, entries = catalogue
    assert entries
    untranslated = [f"line {e.line}: {e.label()}" for e in entries if not e.is_translated]
    assert not untranslated, "Untranslated or fuzzy:\n" + "\n".join(untranslated)
    for entry in entries:
        if entry.msgid_plural is not None:
            assert sorted(entry.msgstr) == [0, 1], f"line {entry.line}: needs two plural forms"


_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def test_placeholders_are_kept(catalogue):
    _header, entries = catalogue
    wrong = []
    for entry in entries:
        for index, text in entry.msgstr.items():
            source = entry.msgid if index == 0 else (entry.msgid_plural or entry.msgid)
            if sorted(_PLACEHOLDER.findall(text)) != sorted(_PLACEHOLDER.findall(source)):
                wrong.append(f"line {entry.line}: {source!r} -> {text!r}")
    assert not wrong, "Placeholders differ:\n" + "\n".join(wrong)


# The terms of docs/glossary.md, where the catalogue has the string.
GLOSSARY = {
    "CM portal": "CM-portalen",
    "Participants": "Deltagare",
    "participant": "deltagare",
    "Case manager": "Case manager",
    "Team lead": "Verksamhetsansvarig",
    "Steering group": "Styrgrupp",
    "Administrator": "Administratör",
    "Access log": "Åtkomstlogg",
    "Two-factor login": "Tvåstegsverifiering",
    "Consent": "Samtycke",
    "consent": "samtycke",
    "Withdrawn": "Återkallat",
    "Expired": "Har upphört att gälla",
    "Guardian": "Vårdnadshavare",
    "personal identity number": "personnummer",
    "contact": "kontakt",
    "entry path": "väg in",
    "intervention started": "insatsen inleddes",
    "intervention ended": "insatsen avslutades",
    "needs a crisis plan": "behov av krisplan",
    "activity": "aktivitet",
    "Outreach work": "Uppsökande arbete",
    "Information session": "Informationstillfälle",
    "Drop-in": "Öppen verksamhet",
    "Meeting": "Möte",
    "Phone": "Telefon",
    "Digital": "Digitalt",
    "Accompanied visit": "Ledsagning",
    "Public authority": "Myndighet",
    "Civil society organisation": "Idéburen organisation",
}


def test_glossary_terms(catalogue):
    _header, entries = catalogue
    by_msgid = {e.msgid: e.msgstr.get(0) for e in entries if e.msgctxt is None}
    wrong = [
        f"{msgid!r}: {by_msgid[msgid]!r}, glossary says {expected!r}"
        for msgid, expected in GLOSSARY.items()
        if msgid in by_msgid and by_msgid[msgid] != expected
    ]
    assert not wrong, "\n".join(wrong)
    banned = re.compile(r"\b(klient|brukare)", re.IGNORECASE)
    offending = [
        f"line {e.line}: {text!r}"
        for e in entries
        for text in e.msgstr.values()
        if banned.search(text)
    ]
    assert not offending, "Participants are 'deltagare' in this portal:\n" + "\n".join(offending)


def test_compiled_catalogue_is_up_to_date(catalogue):
    _header, entries = catalogue
    assert MO_FILE.exists(), f"{MO_FILE} is missing: run manage.py compilemessages"
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    stale = []
    for entry in entries:
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            if compiled.get(msgid) != entry.msgstr[0]:
                stale.append(entry.label())
        elif any(compiled.get((msgid, i)) != text for i, text in entry.msgstr.items()):
            stale.append(entry.label())
    assert not stale, "django.mo differs from django.po; run compilemessages:\n" + "\n".join(stale)


# The catalogue against the source as it is now.


def _makemessages(project: Path) -> Path:
    command = [sys.executable, "manage.py", "makemessages", "--locale", "sv", "--no-obsolete"]
    for pattern in MAKEMESSAGES_IGNORE:
        command += ["--ignore", pattern]
    command += ["--add-location", "file", "--verbosity", "0"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cm_portal.settings.test"}
    result = subprocess.run(  # noqa: S603
        command, cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "locale" / "sv" / "LC_MESSAGES" / "django.po"


def test_every_source_string_has_a_translation(tmp_path, catalogue):
    """makemessages on a copy of the project (a second or two) finds nothing untranslated."""
    project = tmp_path / "project"

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n == "__pycache__" or n.endswith(".pyc")}
        if Path(folder) == ROOT:
            skipped |= {n for n in names if n.startswith(".") or n in NOT_COPIED}
        return skipped

    shutil.copytree(ROOT, project, ignore=ignore, symlinks=True)
    (project / "locale").mkdir()
    _header, fresh = parse_po(_makemessages(project).read_text(encoding="utf-8"))
    assert fresh, "makemessages found no strings at all"

    _header, committed = catalogue
    translated = {e.key for e in committed if e.is_translated}
    missing = sorted(
        (e for e in fresh if e.key not in translated), key=lambda e: (e.msgctxt or "", e.msgid)
    )
    if missing:
        pytest.fail(
            f"{len(missing)} string(s) in the source have no Swedish translation in {PO_FILE}:\n"
            + "\n".join(e.label() for e in missing),
            pytrace=False,
        )


# The pages.


@pytest.mark.django_db
def test_login_page_is_swedish_by_default(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "sv"
    page = response.content.decode()
    assert '<html lang="sv">' in page
    assert "Logga in" in page
    assert "Lösenord" in page
    assert "Log in" not in page


@pytest.mark.django_db
def test_login_page_in_english_for_accept_language_en(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page
    assert "Logga in" not in page


@pytest.mark.django_db
def test_set_language_switches_the_login_page(client):
    login = reverse("accounts:login")
    response = client.post(reverse("set_language"), {"language": "en", "next": login})
    assert response.status_code == 302
    assert response.headers["Location"] == login
    page = client.get(login).content.decode()
    assert "Log in" in page
    assert "Logga in" not in page

    client.post(reverse("set_language"), {"language": "sv", "next": login})
    page = client.get(login).content.decode()
    assert "Logga in" in page
    assert "Log in" not in page

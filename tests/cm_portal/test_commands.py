"""The management commands an operator runs: as their help says, and failing clearly."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from cm_portal.management.commands.load_demo import ACCOUNTS, DEMO_PASSWORD, ORGANISATIONS
from cm_portal.models import AccessEvent, Organisation, Role, User

from ..helpers import bytecode_environment

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def run(*args: str, language: str = "en") -> str:
    """The command's output; its messages in English, so the tests can read them."""
    out = StringIO()
    with translation.override(language):
        call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def create_organisation_args(slug: str, name: str, kind: str) -> list[str]:
    return ["create_organisation", "--slug", slug, "--name", name, "--kind", kind]


def create_staff_args(
    *,
    email: str = "x@example.org",
    name: str = "X",
    organisation: str = "hela-manniskan",
    role: str = "case_manager",
    password_file: str | None = None,
) -> list[str]:
    """The create_staff command line; by default for a case manager X at Hela Människan."""
    args = ["create_staff", "--email", email, "--name", name]
    args += ["--organisation", organisation, "--role", role]
    if password_file is not None:
        args += ["--password-file", password_file]
    return args


@pytest.fixture
def password_file(tmp_path):
    def write(text: str) -> Path:
        path = tmp_path / "password"
        path.write_text(text, encoding="utf-8")
        return path

    return write


# --- create_organisation ----------------------------------------------------------------


def test_create_organisation(db):
    out = run(*create_organisation_args("stadsmissionen", "Stadsmissionen", "civil_society"))
    assert out.strip() == "Created organisation stadsmissionen: Stadsmissionen"
    organisation = Organisation.objects.get(slug="stadsmissionen")
    assert (organisation.name, organisation.kind) == ("Stadsmissionen", "civil_society")


def test_create_organisation_refuses_a_taken_slug(hela_manniskan):
    with pytest.raises(CommandError, match=r"^slug: .*already exists"):
        run(*create_organisation_args("hela-manniskan", "Other", "civil_society"))
    assert Organisation.objects.count() == 1


def test_create_organisation_refuses_an_unknown_kind(db):
    with pytest.raises(CommandError, match="invalid choice: 'company'"):
        run(*create_organisation_args("acme", "Acme", "company"))
    assert not Organisation.objects.exists()


def test_create_organisation_refuses_a_bad_slug(db):
    with pytest.raises(CommandError, match=r"^slug: "):
        run(*create_organisation_args("Hela Människan!", "X", "civil_society"))


# --- create_staff -----------------------------------------------------------------------


def test_create_staff_without_password(hela_manniskan):
    out = run(*create_staff_args(email=" Nora.Ny@Hela.example ", name="Nora Ny"))
    assert re.fullmatch(r"Created .+ nora\.ny@hela\.example in hela-manniskan\n", out)
    nora = User.objects.get(email="nora.ny@hela.example")
    assert (nora.organisation, nora.role) == (hela_manniskan, Role.CASE_MANAGER)
    assert not nora.has_usable_password()
    assert AccessEvent.objects.get(action=AccessEvent.Action.CREATE).object_id == str(nora.pk)


def test_create_staff_with_a_password_file(hela_manniskan, password_file):
    path = password_file("ett-langt-och-bra-losenord\nsecond line is ignored\n")
    run(
        *create_staff_args(
            email="nora@hela.example", name="Nora Ny", role="administrator", password_file=str(path)
        )
    )
    nora = User.objects.get(email="nora@hela.example")
    assert nora.check_password("ett-langt-och-bra-losenord")
    assert nora.role == Role.ADMINISTRATOR


def test_create_staff_refuses_an_unknown_organisation(hela_manniskan, district):
    with pytest.raises(CommandError) as error:
        run(*create_staff_args(organisation="nowhere"))
    assert str(error.value) == "Unknown organisation 'nowhere' (known: hela-manniskan, district)."
    assert not User.objects.filter(email="x@example.org").exists()


def test_create_staff_refuses_a_taken_address_in_any_case(alice):
    with pytest.raises(CommandError, match=r"^email: .*already exists"):
        run(*create_staff_args(email="ALICE@Hela.Example", name="A"))
    assert User.objects.count() == 1


def test_create_staff_refuses_an_unknown_role(hela_manniskan):
    with pytest.raises(CommandError, match="invalid choice: 'superuser'"):
        run(*create_staff_args(role="superuser"))


def test_create_staff_refuses_an_unreadable_password_file(hela_manniskan, tmp_path):
    missing = tmp_path / "no-such-file"
    with pytest.raises(
        CommandError, match=f"^Cannot read a password from {re.escape(str(missing))}"
    ):
        run(*create_staff_args(password_file=str(missing)))
    assert not User.objects.filter(email="x@example.org").exists()


def test_create_staff_refuses_an_empty_password_file(hela_manniskan, password_file):
    with pytest.raises(CommandError, match=r"^Cannot read a password"):
        run(*create_staff_args(password_file=str(password_file(""))))


def test_create_staff_refuses_a_short_password(hela_manniskan, password_file):
    with pytest.raises(CommandError) as error:
        run(*create_staff_args(password_file=str(password_file("kort\n"))))
    assert "12" in str(error.value)  # the minimum length, in whatever language
    assert not User.objects.filter(email="x@example.org").exists()
    assert not AccessEvent.objects.exists()


# --- The same through a real process ----------------------------------------------------


def _manage(*args: str) -> subprocess.CompletedProcess:
    database = settings.DATABASES["default"]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        **bytecode_environment(),
        "DJANGO_SETTINGS_MODULE": "cm_portal.settings.test",
        "TEST_DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang, not a timing
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_commands_in_a_real_process():
    result = _manage(*create_organisation_args("district", "Stadsdelen", "public_authority"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Created organisation district: Stadsdelen\n"
    assert Organisation.objects.filter(slug="district").exists()

    result = _manage(*create_staff_args(organisation="elsewhere"))
    assert result.returncode == 1
    # The process speaks LANGUAGE_CODE; the names are the same in every language.
    assert re.search(r"CommandError: .*'elsewhere'.*district", result.stderr), result.stderr

    result = _manage(*create_organisation_args("district", "Again", "public_authority"))
    assert result.returncode == 1
    assert "CommandError: slug:" in result.stderr

    result = _manage(*create_organisation_args("acme", "Acme", "company"))
    assert result.returncode == 2
    assert "invalid choice: 'company'" in result.stderr
    assert list(Organisation.objects.values_list("slug", flat=True)) == ["district"]


# --- Demo data --------------------------------------------------------------------------


def test_load_demo_refuses_without_demo_mode(db):
    assert settings.DEMO_MODE is False
    with pytest.raises(CommandError, match="only for DEMO_MODE"):
        run("load_demo")
    assert not Organisation.objects.exists()
    with pytest.raises(CommandError, match="only in DEMO_MODE"):
        run("demo_code")


@pytest.fixture
def demo_mode(settings):
    settings.DEMO_MODE = True


def test_load_demo_creates_organisations_and_accounts(demo_mode):
    out = run("load_demo")

    # Two organisations of the partnership and Skärholmen of the Intern-SIP pilot (issue 14).
    assert Organisation.objects.count() == len(ORGANISATIONS) == 3
    assert User.objects.count() == len(ACCOUNTS) == 8
    assert sorted(User.objects.values_list("role", flat=True)) == sorted(
        role for *_, role in ACCOUNTS
    )
    assert TOTPDevice.objects.filter(confirmed=True).count() == 8
    assert all(user.check_password(DEMO_PASSWORD) for user in User.objects.all())
    assert DEMO_PASSWORD in out


def test_load_demo_is_idempotent(demo_mode):
    run("load_demo")
    run("load_demo")
    assert (Organisation.objects.count(), User.objects.count(), TOTPDevice.objects.count()) == (
        3,
        8,
        8,
    )
    assert "nothing loaded" in run("load_demo", "--if-empty")


def test_demo_code_prints_the_current_code(demo_mode):
    run("load_demo")
    code = run("demo_code").strip()
    assert re.fullmatch(r"\d{6}", code)
    device = TOTPDevice.objects.get(user__email=ACCOUNTS[0][0])
    assert device.verify_token(code)

"""Random populations for the research property test, written straight to the tables
(thousands of examples through the services would take minutes): participants with names,
references, identity numbers and dates, some with a research consent."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from consent.models import Consent
from participants.models import Participant

GENDERS = ["woman", "man", "non_binary", "not_stated"]
PATHS = ["hela_manniskan", "outreach", "district_support", "other"]
# "" too: a closed case the ORM wrote without one (the export makes it "other").
END_REASONS = ["goals_met", "moved", "declined", "transferred", "no_contact", "died", "other", ""]
FIRST_DAY = date(2025, 1, 1)


def with_check_digit(nine: str) -> str:
    """The Luhn check digit that makes YYMMDDNNN + digit valid."""
    for digit in "0123456789":
        digits = nine + digit
        total = 0
        for index, char in enumerate(digits):
            value = int(char) * (2 if index % 2 == 0 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return digit
    raise AssertionError


@st.composite
def person(draw, index: int) -> dict:
    birth = date(draw(st.integers(1996, 2007)), draw(st.integers(1, 12)), draw(st.integers(1, 28)))
    serial = f"{draw(st.integers(0, 999)):03d}"
    nine = birth.strftime("%y%m%d") + serial
    start = FIRST_DAY + timedelta(days=draw(st.integers(0, 600)))
    ended = draw(st.booleans())
    return {
        "display_name": draw(st.from_regex(r"[A-ZÅÄÖ][a-zåäö]{3,10}", fullmatch=True)),
        "reference": f"HM-{index:04d}",
        "personal_identity_number": f"{birth:%Y%m%d}-{serial}{with_check_digit(nine)}",
        "birth_year": birth.year,
        "gender": draw(st.sampled_from(GENDERS)),
        "entry_path": draw(st.sampled_from(PATHS)),
        "crisis_relevant": draw(st.booleans()),
        "intervention_start": start,
        "intervention_end": start + timedelta(days=draw(st.integers(1, 200))) if ended else None,
        "end_reason_code": draw(st.sampled_from(END_REASONS)) if ended else "",
        "end_reason": "Flyttade till Malmö" if ended else "",
        "organisation_index": draw(st.integers(0, 1)),
        "consents": draw(st.booleans()),
        # 0: the agreement's programme; 1: another, whose participants never appear.
        "programme_index": draw(st.sampled_from([0, 0, 0, 1])),
    }


@st.composite
def population(draw, max_size: int = 30) -> list[dict]:
    size = draw(st.integers(0, max_size))
    return [draw(person(index)) for index in range(size)]


def create(people: list[dict], organisations, recorded_by, programmes) -> list[Participant]:
    created = []
    for values in people:
        values = dict(values)
        consents = values.pop("consents")
        organisation = organisations[values.pop("organisation_index")]
        programme = programmes[values.pop("programme_index")]
        participant = Participant.objects.create(
            organisation=organisation, programme=programme, **values
        )
        if consents:
            Consent.objects.create(
                participant=participant,
                purpose="Följeforskning",
                research=True,
                signed_on=participant.intervention_start,
                signed_by="participant",
                recorded_by=recorded_by,
            )
        created.append(participant)
    return created


def forbidden_values(participants: list[Participant]) -> set[str]:
    """What must never be exported: names, references, identity numbers (whole and their
    date), and every date of the fixture."""
    values: set[str] = set()
    for participant in participants:
        values |= {participant.display_name, participant.reference, participant.end_reason}
        values.add(participant.personal_identity_number)
        values.add(participant.personal_identity_number[:8])
        days = [participant.intervention_start, participant.intervention_end]
        days += [consent.signed_on for consent in participant.consents.all()]
        values |= {day.isoformat() for day in days if day is not None}
    return values - {""}

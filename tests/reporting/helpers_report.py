"""A known fixture for the report tests: participants in project quarters 1 and 2 (2026-05-01
to 2026-10-31), written with the ORM through ``tests/reporting/helpers.py``.

Project quarter 2 (2026-08-01 to 2026-10-31) at Hela Människan holds:
- K2: 6 women and 2 men started 2026-07-01 (D2 2026-08-26); plans on 2026-08-01 for 5 women
  and both men: cohort 8, met 7, 87.5 %. None of the plans has a goal (7 incomplete plans).
- K4: one woman (started 2026-05-10, ended 2026-09-30) with a baseline only: missing_rating 1.
- Started in the period: 3 non-binary participants (2026-09-15).
- Activity: 3 contacts of one participant on 2026-08-15.
"""

from __future__ import annotations

from datetime import date

from participants.models import Contact, Participant

from .helpers import person, plan, rating

NAMES = ["Zelda Quuxberg", "Ymir Frobnitz", "Xanthe Wobblesworth"]
IDENTITY_NUMBERS = ["19990101-2380", "20000202-2398"]
PERIOD_QUERY = {"kind": "project_quarter", "n": "2"}


def known_fixture(organisation) -> list[Participant]:
    people = []
    for index in range(6):
        woman = person(organisation, start=date(2026, 7, 1), gender="woman")
        if index < 5:
            plan(woman, date(2026, 8, 1))
        people.append(woman)
    for _index in range(2):
        man = person(organisation, start=date(2026, 7, 1), gender="man")
        plan(man, date(2026, 8, 1))
        people.append(man)
    ended = person(organisation, start=date(2026, 5, 10), end=date(2026, 9, 30))
    rating(ended, "baseline", date(2026, 5, 12))
    people.append(ended)
    people += [
        person(organisation, start=date(2026, 9, 15), gender="non_binary") for _index in range(3)
    ]
    for _index in range(3):
        Contact.objects.create(
            participant=people[0],
            date=date(2026, 8, 15),
            kind="meeting",
            duration_minutes=30,
            note="Talked about Zelda's sister",
        )
    # Names and identity numbers the page must never show.
    for participant, name in zip(people, NAMES, strict=False):
        participant.display_name = name
        participant.save(update_fields=["display_name"])
    for participant, number in zip(people[3:], IDENTITY_NUMBERS, strict=False):
        Participant.objects.filter(pk=participant.pk).update(personal_identity_number=number)
    return people

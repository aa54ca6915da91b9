"""The caseload in its first order is read a page at a time within each organisation
(``selectors.CaseloadByOrganisation``): its pages must be the sorted list's, cut the same way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from participants import selectors
from participants.models import SharingGrant

from .factories import register

# References out of their sorted order, so that reading by insertion order would show.
OWN = ["H-05", "H-01", "H-04", "H-02", "H-03"]
SHARED = ["D-02", "D-03", "D-01"]
SAME_NAME = ["D-01", "D-00"]  # a second organisation with the district's name


def _share(participant, organisation) -> None:
    SharingGrant.objects.create(
        participant=participant,
        organisation=organisation,
        consent_id=participant.pk,
        valid_from=timezone.localdate() - timedelta(days=1),
    )


@pytest.fixture
def team_lead_with_shared_cases(tess, dana, charlie, hela_manniskan, district, other_district):
    """tess's list: her organisation's five, and five of two organisations of one name."""
    other_district.name = district.name
    other_district.save()
    for reference in OWN:
        register(hela_manniskan, tess, reference=reference)
    for reference in SHARED:
        _share(register(district, dana, reference=reference), hela_manniskan)
    for reference in SAME_NAME:
        _share(register(other_district, charlie, reference=reference), hela_manniskan)
    return tess


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_pages_by_organisation_are_the_sorted_lists_pages(team_lead_with_shared_cases, descending):
    participants = selectors.caseload(
        team_lead_with_shared_cases, order="reference", descending=descending
    )
    expected = [(row.pk, row.changeable) for row in participants]
    assert len(expected) == len(OWN) + len(SHARED) + len(SAME_NAME)
    in_pages = selectors.in_pages(participants, order="reference", descending=descending)
    assert isinstance(in_pages, selectors.CaseloadByOrganisation)
    assert in_pages.count() == len(expected)
    for size in (1, 2, 3, 4, 7, len(expected), 25):
        read = [
            (row.pk, row.changeable)
            for start in range(0, len(expected), size)
            for row in in_pages[start : start + size]
        ]
        assert read == expected, size


def test_other_orders_page_the_sorted_queryset(team_lead_with_shared_cases):
    participants = selectors.caseload(team_lead_with_shared_cases, order="name")
    assert selectors.in_pages(participants, order="name", descending=False) is participants

"""Creates the programme this installation served before programmes were data, "Vägledning i
Vardagslivet" (seeds 001/002), with the values that were constants until then, and enrols
every existing participant in it. The figures do not change (tests/programmes/test_migration.py).

``VAGLEDNING`` is the one place these values are written: the tests and the demo read it.
"""

from datetime import date

from django.db import migrations

VAGLEDNING = {
    "slug": "vagledning-i-vardagslivet",
    "name": "Vägledning i Vardagslivet",
    "start": date(2026, 5, 1),
    # Seed 002: "2026-05-01 till och med 2029-05-01": the last day is included.
    "end": date(2029, 5, 1),
    "age_min": None,
    "age_max": None,
    "age_bins": [[18, 21], [22, 25], [26, 29]],
    "entry_paths": ["hela_manniskan", "outreach", "district_support", "other"],
    "reporting_periods": [
        "project_quarter",
        "project_year",
        "calendar_quarter",
        "tertial",
        "year",
    ],
    "plan_window_opens_days": 28,
    "horizon_window_days": 14,
    "baseline_rating_days": 14,
    "invitation_days_ahead": 14,
}
VAGLEDNING_PHASES = [
    ("establishment", "Etablering", 1, 6),
    ("implementation", "Genomförande", 7, 30),
    ("evaluation", "Utvärdering och slutrapport", 31, 36),
]
# Seed 001, "Resultatmål" (docs/kpis.md K1 to K5).
VAGLEDNING_GOALS = [
    ("participants_reached", {"target": 30}),
    ("plan_within_window", {"window_days": 56, "target_percent": 80}),
    ("prioritised_contacts_by_horizon", {"horizon_months": 3, "target_percent": 70}),
    ("self_rating_improved", {"target_percent": 60}),
    ("crisis_plan_within_window", {"window_days": 56, "target_percent": 70}),
]


def create_vagledning(Programme, ProgrammePhase, ProgrammeGoal, ProgrammeGoalChange):
    """The programme with its phases and goals (version 1), or the one there already."""
    programme = Programme.objects.filter(slug=VAGLEDNING["slug"]).first()
    if programme is not None:
        return programme
    programme = Programme.objects.create(**VAGLEDNING)
    ProgrammePhase.objects.bulk_create(
        ProgrammePhase(programme=programme, key=key, name=name, first_month=first, last_month=last)
        for key, name, first, last in VAGLEDNING_PHASES
    )
    for kind, parameters in VAGLEDNING_GOALS:
        ProgrammeGoal.objects.create(programme=programme, kind=kind, version=1, **parameters)
        ProgrammeGoalChange.objects.create(
            programme=programme, kind=kind, version=1, parameters=parameters
        )
    return programme


def forwards(apps, schema_editor):
    models = [
        apps.get_model("programmes", name)
        for name in ("Programme", "ProgrammePhase", "ProgrammeGoal", "ProgrammeGoalChange")
    ]
    programme = create_vagledning(*models)
    programme.organisations.set(apps.get_model("cm_portal", "Organisation").objects.all())
    # The project-group members are new; the steering group followed this programme.
    programme.members.set(
        apps.get_model("cm_portal", "User").objects.filter(role="steering_group")
    )
    apps.get_model("participants", "Participant").objects.filter(programme__isnull=True).update(
        programme=programme
    )


def backwards(apps, schema_editor):
    apps.get_model("participants", "Participant").objects.update(programme=None)
    apps.get_model("programmes", "Programme").objects.filter(slug=VAGLEDNING["slug"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0004_participant_programme"),
        ("cm_portal", "0011_project_group_role"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

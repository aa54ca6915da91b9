"""Retention: each participant's last entry, from which the retention period runs.

Existing cases get the latest of their registration, their end date and their last
recorded change or contact; from now on every write moves it (participants.retention).
"""

from datetime import datetime, time

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _backfill_last_entry(apps, schema_editor):
    Participant = apps.get_model("participants", "Participant")
    CaseChange = apps.get_model("participants", "CaseChange")
    Contact = apps.get_model("participants", "Contact")
    latest_change = dict(
        CaseChange.objects.values("participant").annotate(at=models.Max("changed_at"))
        .values_list("participant", "at")
    )
    latest_contact = dict(
        Contact.objects.values("participant").annotate(at=models.Max("created_at"))
        .values_list("participant", "at")
    )
    zone = django.utils.timezone.get_current_timezone()
    for participant in Participant.objects.only("created_at", "intervention_end").iterator():
        candidates = [
            participant.created_at,
            latest_change.get(participant.pk),
            latest_contact.get(participant.pk),
        ]
        if participant.intervention_end:
            end = datetime.combine(participant.intervention_end, time.max, tzinfo=zone)
            candidates.append(end)
        last = max(at for at in candidates if at is not None)
        Participant.objects.filter(pk=participant.pk).update(last_entry_at=last)


class Migration(migrations.Migration):

    dependencies = [
        ('cm_portal', '0005_access_event_delete_actions'),
        ('participants', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='participant',
            name='last_entry_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='last entry'),
        ),
        migrations.RunPython(_backfill_last_entry, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='participant',
            name='legal_hold',
            field=models.BooleanField(default=False, help_text='A case on legal hold is kept past its retention period.', verbose_name='legal hold'),
        ),
        migrations.AddIndex(
            model_name='participant',
            index=models.Index(condition=models.Q(('intervention_end__isnull', False)), fields=['last_entry_at'], name='participant_closed_entry_idx'),
        ),
    ]

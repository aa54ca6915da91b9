"""A coded reason for ending a case beside the free text. The cases closed before it had
only the free text: they get "other", and their text is kept as the detail."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    participants = apps.get_model("participants", "Participant").objects
    participants.filter(intervention_end__isnull=False, end_reason_code="").update(
        end_reason_code="other"
    )


def backwards(apps, schema_editor):
    pass  # the column goes; the free text was never touched


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0007_activity_record_programme"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="end_reason_code",
            field=models.CharField(
                blank=True,
                choices=[
                    ("goals_met", "Goals met"),
                    ("moved", "Moved away"),
                    ("declined", "Declined further support"),
                    ("transferred", "Transferred to other support"),
                    ("no_contact", "No contact"),
                    ("died", "Died"),
                    ("other", "Other reason"),
                ],
                max_length=20,
                verbose_name="reason for ending",
            ),
        ),
        migrations.AlterField(
            model_name="participant",
            name="end_reason",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="more about the reason"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]

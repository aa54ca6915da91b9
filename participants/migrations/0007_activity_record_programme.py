"""Activity records belong to a programme: the existing ones to "Vägledning i Vardagslivet"
(migration 0005), so its figures stay as they were."""

import django.db.models.deletion
from django.db import migrations, models

VAGLEDNING_SLUG = "vagledning-i-vardagslivet"


def forwards(apps, schema_editor):
    programme = apps.get_model("programmes", "Programme").objects.filter(slug=VAGLEDNING_SLUG).first()
    records = apps.get_model("participants", "ActivityRecord").objects.filter(programme__isnull=True)
    if programme is not None:
        records.update(programme=programme)


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0006_participant_programme_required"),
        ("programmes", "0001_programmes"),
    ]

    operations = [
        migrations.AddField(
            model_name="activityrecord",
            name="programme",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programmes.programme",
                verbose_name="programme",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="activityrecord",
            name="programme",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programmes.programme",
                verbose_name="programme",
            ),
        ),
    ]

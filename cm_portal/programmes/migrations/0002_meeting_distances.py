"""Two more distances of the deadline table become programme data: the follow-up meeting's
window and the days an Intern-SIP asked for is held within. Existing programmes get the
values that were constants until now (14 and 30 days)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0001_programmes"),
    ]

    operations = [
        migrations.AddField(
            model_name="programme",
            name="asked_for_hold_days",
            field=models.PositiveSmallIntegerField(
                default=30,
                verbose_name="an Intern-SIP the participant asked for is held within (days)",
            ),
        ),
        migrations.AddField(
            model_name="programme",
            name="follow_up_window_days",
            field=models.PositiveSmallIntegerField(
                default=14, verbose_name="a follow-up meeting's window opens (days before it)"
            ),
        ),
    ]

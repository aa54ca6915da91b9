import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0005_enrol_in_vagledning_i_vardagslivet"),
    ]

    operations = [
        migrations.AlterField(
            model_name="participant",
            name="programme",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="participants",
                to="programmes.programme",
                verbose_name="programme",
            ),
        ),
    ]

"""StripeEvent moves here from payments: the model state only; the table is renamed in 0002."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("payments", "0002_history_message_codes_and_stripe_event_moves")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StripeEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("stripe_id", models.CharField(max_length=255, unique=True)),
                        ("type", models.CharField(max_length=100)),
                        ("account", models.CharField(blank=True, max_length=255)),
                        ("payload", models.JSONField()),
                        ("created_at_stripe", models.DateTimeField()),
                        ("received_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("processed_at", models.DateTimeField(blank=True, null=True)),
                        ("error", models.TextField(blank=True)),
                    ],
                    options={
                        "db_table": "payments_stripeevent",
                        "ordering": ["-received_at"],
                        "indexes": [models.Index(fields=["processed_at"], name="stripe_event_processed")],
                    },
                ),
            ]
        ),
    ]

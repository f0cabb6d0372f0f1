from django.db import migrations, models
from django.db.models import Q


def status_from_processed_at(apps, schema_editor):
    StripeEvent = apps.get_model("stripe_events", "StripeEvent")
    StripeEvent.objects.filter(processed_at__isnull=False).update(status="PROCESSED")
    StripeEvent.objects.filter(processed_at__isnull=True).exclude(error="").update(status="FAILED")


class Migration(migrations.Migration):
    dependencies = [("stripe_events", "0001_take_over_stripe_event")]

    operations = [
        migrations.AlterModelTable(name="stripeevent", table=None),
        migrations.AddField(
            model_name="stripeevent",
            name="status",
            field=models.CharField(
                choices=[
                    ("RECEIVED", "Received"),
                    ("PROCESSED", "Processed"),
                    ("IGNORED", "Ignored"),
                    ("FAILED", "Failed"),
                ],
                default="RECEIVED",
                max_length=16,
            ),
        ),
        migrations.RunPython(status_from_processed_at, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="stripeevent",
            constraint=models.CheckConstraint(
                condition=Q(status__in=["RECEIVED", "PROCESSED", "IGNORED", "FAILED"]), name="stripe_event_status_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="stripeevent",
            constraint=models.CheckConstraint(
                condition=~Q(status__in=["PROCESSED", "IGNORED"]) | Q(processed_at__isnull=False),
                name="stripe_event_done_has_time",
            ),
        ),
    ]

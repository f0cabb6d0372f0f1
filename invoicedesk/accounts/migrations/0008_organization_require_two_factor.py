from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_refund_daily_limit_per_person"),
    ]

    operations = [
        # Organizations that exist keep signing in as they did (off); new ones start with it on.
        migrations.AddField(
            model_name="organization",
            name="require_two_factor",
            field=models.BooleanField(
                default=False, verbose_name="require two-factor sign-in for approvers and admins"
            ),
        ),
        migrations.AlterField(
            model_name="organization",
            name="require_two_factor",
            field=models.BooleanField(
                default=True, verbose_name="require two-factor sign-in for approvers and admins"
            ),
        ),
    ]

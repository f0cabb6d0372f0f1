from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0013_chain_existing_entries"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.CheckConstraint(condition=models.Q(("chain_hash", ""), _negated=True), name="audit_entry_chained"),
        ),
    ]

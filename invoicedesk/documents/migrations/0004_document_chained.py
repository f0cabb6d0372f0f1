from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0003_chain_existing_documents"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="refunddocument",
            constraint=models.CheckConstraint(condition=models.Q(("chain_hash", ""), _negated=True), name="document_chained"),
        ),
    ]

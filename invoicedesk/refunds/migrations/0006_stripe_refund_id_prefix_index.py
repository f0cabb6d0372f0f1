from django.db import migrations



class Migration(migrations.Migration):
    dependencies = [("refunds", "0005_request_fingerprint")]

    operations = [
        # The Search boxes match a Stripe refund id by its beginning (LIKE 're_…%'); whatever the collation,
        # a pattern-ops index serves that on PostgreSQL.
        migrations.RunSQL(
            sql=[
                "CREATE INDEX IF NOT EXISTS refund_stripe_refund_id_prefix "
                "ON refunds_refund (stripe_refund_id varchar_pattern_ops)"
            ],
            reverse_sql=["DROP INDEX IF EXISTS refund_stripe_refund_id_prefix"],
        ),
    ]

from django.db import migrations



class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [
        # Partial, case-insensitive Bill to search: Django's icontains on
        # PostgreSQL is UPPER(col::text) LIKE UPPER('%…%'), which a trigram GIN
        # index on the same expression serves.
        migrations.RunSQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "CREATE INDEX IF NOT EXISTS buyer_company_name_trgm "
                "ON billing_buyer USING gin (UPPER(company_name::text) gin_trgm_ops)",
            ],
            reverse_sql=["DROP INDEX IF EXISTS buyer_company_name_trgm"],
        ),
        # Prefix search on the invoice number (LIKE 'INV-2026%') whatever the
        # database collation.
        migrations.RunSQL(
            sql=[
                "CREATE INDEX IF NOT EXISTS invoice_org_number_prefix "
                "ON billing_billinginvoice (organization_id, number varchar_pattern_ops)",
            ],
            reverse_sql=["DROP INDEX IF EXISTS invoice_org_number_prefix"],
        ),
    ]

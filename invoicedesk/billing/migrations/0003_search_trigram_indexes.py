from django.db import migrations



class Migration(migrations.Migration):
    dependencies = [("billing", "0002_postgres_search_indexes")]

    operations = [
        # The one Search box matches any part of the invoice number, the buyer's company, contact name and email,
        # case-insensitively: Django's icontains is UPPER(col::text) LIKE UPPER('%…%') on PostgreSQL, which trigram
        # GIN indexes on the same expressions serve (the company's is in 0002).
        migrations.RunSQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "CREATE INDEX IF NOT EXISTS invoice_number_trgm "
                "ON billing_billinginvoice USING gin (UPPER(number::text) gin_trgm_ops)",
                "CREATE INDEX IF NOT EXISTS buyer_contact_name_trgm "
                "ON billing_buyer USING gin (UPPER(contact_name::text) gin_trgm_ops)",
                "CREATE INDEX IF NOT EXISTS buyer_email_trgm ON billing_buyer USING gin (UPPER(email::text) gin_trgm_ops)",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS invoice_number_trgm",
                "DROP INDEX IF EXISTS buyer_contact_name_trgm",
                "DROP INDEX IF EXISTS buyer_email_trgm",
            ],
        ),
    ]

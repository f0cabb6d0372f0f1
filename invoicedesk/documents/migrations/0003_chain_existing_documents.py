# Links the documents issued before chains existed (issue 23), in insert order, one chain per organization.

from django.db import migrations

from invoicedesk.audit.chain import chain_existing_rows
from invoicedesk.documents.chain import document_content


def forwards(apps, schema_editor):
    chain_existing_rows(
        rows=apps.get_model("documents", "RefundDocument").objects.all(),
        head_model=apps.get_model("audit", "ChainHead"),
        name="documents",
        content=document_content,
        trigger="pgtrigger_refund_document_unaltered_fcdf0",
        connection=schema_editor.connection,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0002_chain"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]

# Links the audit entries written before chains existed (issue 23), in insert order, one chain per organization.

from django.db import migrations

from invoicedesk.audit.chain import audit_content, chain_existing_rows


def forwards(apps, schema_editor):
    chain_existing_rows(
        rows=apps.get_model("audit", "AuditEntry").objects.all(),
        head_model=apps.get_model("audit", "ChainHead"),
        name="audit",
        content=audit_content,
        trigger="pgtrigger_audit_entry_append_only_e8f53",
        connection=schema_editor.connection,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0012_chain"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]

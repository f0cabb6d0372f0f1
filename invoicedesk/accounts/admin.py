# The admin of organizations, add-on contracts, people and memberships is in invoicedesk/audit/admin.py:
# every change made there is audited, and audit is the layer above accounts.

from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Demo data, `make run`, localstripe and the test-mode card form: development and tests, never production paths."""

    name = "invoicedesk.devtools"
    label = "devtools"

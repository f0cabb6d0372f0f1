import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invoicedesk.settings")
django_application = get_wsgi_application()

from invoicedesk.stripe_integration.intake import WebhookIntake  # noqa: E402 - after Django is set up

# Stripe's webhooks are answered before Django's request cycle; everything else goes to Django.
application = WebhookIntake(django_application)

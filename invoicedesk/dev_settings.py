"""The settings for tools run on a developer's machine that import them without a server: the tests (pytest's
DJANGO_SETTINGS_MODULE) and mypy's Django plugin. They default INVOICEDESK_ENV to `development`, which
invoicedesk.settings never does (unset there means production); the processes the tests start inherit it.
"""

import os

os.environ.setdefault("INVOICEDESK_ENV", "development")

from invoicedesk.settings import *  # noqa: F403

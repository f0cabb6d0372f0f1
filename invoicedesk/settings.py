"""Settings, read from the environment.

INVOICEDESK_ENV picks the profile: `production` (the default: DEBUG off, secure
cookies, HSTS, CSP; SECRET_KEY, ALLOWED_HOSTS, Stripe's keys and SMTP_HOST must be
given), `development` (`make run`, the tests: DEBUG on, local defaults) or `test`
(local defaults, DEBUG off). A server started without it is a production server,
never one that shows tracebacks to strangers.
"""

from __future__ import annotations

import os
import urllib.parse
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

# `admin.ModelAdmin[Model]` and the like at runtime, as the type checker reads them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("INVOICEDESK_VAR_DIR", BASE_DIR / "var"))

ENVIRONMENT = os.environ.get("INVOICEDESK_ENV", "production")
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"INVOICEDESK_ENV must be development, test or production, not {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"
# Said with every refusal below: an unset INVOICEDESK_ENV is production, which surprises on a laptop.
_LOCAL_HINT = (
    ""
    if "INVOICEDESK_ENV" in os.environ
    else " (INVOICEDESK_ENV is unset, which means production; set INVOICEDESK_ENV=development to run locally)"
)

# DEBUG pages show settings and code to whoever gets an error: only where someone asked for development.
DEBUG = ENVIRONMENT == "development" and os.environ.get("DJANGO_DEBUG", "true").lower() in {"1", "true", "yes"}

if PRODUCTION:
    try:
        SECRET_KEY = os.environ["SECRET_KEY"]
    except KeyError:
        raise ImproperlyConfigured(f"SECRET_KEY must be set in production{_LOCAL_HINT}") from None
    ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(f"ALLOWED_HOSTS must be set in production (comma-separated){_LOCAL_HINT}")
else:
    SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-key-not-for-production-use-0123456789")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "procrastinate.contrib.django",
    "pgtrigger",
    "axes",
    # The second factor: authenticator-app codes (TOTP) and single-use recovery codes (static tokens).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",
    # Ours, from the ground floor up (the layers contract in pyproject.toml).
    "invoicedesk.core",
    "invoicedesk.audit",
    "invoicedesk.accounts",
    "invoicedesk.billing",
    "invoicedesk.alerts",
    "invoicedesk.payments",
    "invoicedesk.refunds",
    "invoicedesk.documents",
    "invoicedesk.notifications",
    "invoicedesk.stripe_integration",
    "invoicedesk.accounting",
    "invoicedesk.backoffice",
    "invoicedesk.api",
    "invoicedesk.devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside every other middleware but WhiteNoise (inserted before it below), so error pages are covered too.
    "invoicedesk.core.caching.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user verified when this session passed the second factor; before the organization middleware,
    # which carries that onto the membership the services check.
    "django_otp.middleware.OTPMiddleware",
    "invoicedesk.accounts.middleware.SessionRenewalMiddleware",
    "invoicedesk.accounts.middleware.UserLanguageMiddleware",
    "invoicedesk.accounts.middleware.CurrentOrganizationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "invoicedesk.core.http.ServiceErrorMiddleware",
    # After it, so it sees a refusal for want of a second factor first and sends the person to enter their code.
    "invoicedesk.backoffice.twofactor_views.SecondFactorRedirectMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it answers a locked-out sign-in.
    "axes.middleware.AxesMiddleware",
]

DEMO_LOADING_MIDDLEWARE = "invoicedesk.devtools.middleware.DemoLoadingMiddleware"
if not PRODUCTION and os.environ.get("INVOICEDESK_DEMO_SERVER") == "1":
    # Only in the web server `make run` starts: "demo data is loading" instead of half the data.
    MIDDLEWARE.insert(1, DEMO_LOADING_MIDDLEWARE)

if PRODUCTION:
    # Static files straight from the web process, compressed and cache-busted.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "invoicedesk.urls"
WSGI_APPLICATION = "invoicedesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "invoicedesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "invoicedesk.backoffice.context_processors.top_bar",
            ],
        },
    },
]

# PostgreSQL everywhere. Without DATABASE_URL (a newcomer's `make run` / `make test`), an embedded server in var/
# (invoicedesk.embedded_postgres); the URL is put in the environment so the processes this one starts share it.
if not os.environ.get("DATABASE_URL"):
    if PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL must be set in production (postgres://…).")
    from invoicedesk.embedded_postgres import embedded_database_url

    os.environ["DATABASE_URL"] = embedded_database_url(VAR_DIR)

# Persistent connections in production: a new PostgreSQL connection per request or task costs more than the
# work of a webhook. A connection is checked before reuse (CONN_HEALTH_CHECKS), so a restarted database or a
# dropped idle connection costs one reconnect, not an error. Behind PgBouncer in transaction pooling, set
# DATABASE_DISABLE_SERVER_SIDE_CURSORS=true (see README, "Running on several machines").
DATABASES = {
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"],
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "600" if PRODUCTION else "0")),
        conn_health_checks=os.environ.get("DATABASE_CONN_HEALTH_CHECKS", "true").lower() in {"1", "true", "yes"},
        disable_server_side_cursors=os.environ.get("DATABASE_DISABLE_SERVER_SIDE_CURSORS", "false").lower()
        in {"1", "true", "yes"},
    )
}
# Migrations run as the tables' owner; the web and worker connect as DATABASE_URL's role, which owns nothing and
# may only SELECT and INSERT on append-only tables (core.db_roles; `migrate` grants it). Empty: migrations use
# DATABASE_URL too (one role, for development).
DATABASE_MIGRATE = (
    dj_database_url.parse(os.environ["DATABASE_MIGRATE_URL"]) if os.environ.get("DATABASE_MIGRATE_URL") else None
)
# Workers (procrastinate) wait for new jobs on a connection of their own (LISTEN). LISTEN needs a session of its
# own on the server, which PgBouncer's transaction pooling does not give: behind it, point this at PostgreSQL
# itself (or at a session-pooled port). Empty: the same as DATABASE_URL.
DATABASE_LISTEN = (
    dj_database_url.parse(os.environ["DATABASE_LISTEN_URL"]) if os.environ.get("DATABASE_LISTEN_URL") else None
)
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("invoicedesk runs on PostgreSQL only: DATABASE_URL must be postgres://…")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "backoffice:invoice_list"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    # First: refuses sign-ins of a locked-out account or address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The proxies in front of the app (comma-separated addresses or CIDRs; empty: none). Only a request whose
# REMOTE_ADDR is one of them has its client address taken from X-Forwarded-For (core.http.client_ip), for the
# sign-in lock-out, the API keys' addresses and the audit trail. `manage.py check` refuses an invalid entry.
TRUSTED_PROXIES = [entry.strip() for entry in os.environ.get("TRUSTED_PROXIES", "").split(",") if entry.strip()]

# Sign-in throttling (django-axes, accounts.lockout): after AXES_FAILURE_LIMIT failures for one account from one
# client address, that address may not sign in to that account; after LOGIN_ACCOUNT_FAILURE_LIMIT failures for one
# account from anywhere, nobody may — until the cool-off is over. No limit per address alone: one attacker (or one
# office behind one NAT) cannot lock out everybody else. A success resets its own address's count.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("LOGIN_ACCOUNT_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "invoicedesk.accounts.lockout.AccountAndAddressLockout"
AXES_CLIENT_IP_CALLABLE = "invoicedesk.core.http.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
# The second factor (django-otp): the name authenticator apps show beside the account.
OTP_TOTP_ISSUER = "invoicedesk"
# Recovery codes made at enrolment, each good once.
TWO_FACTOR_RECOVERY_CODES = 10
# Sessions end after this long without a request (requests renew them, at most once a minute).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_HOURS", "8")) * 3600
# A session in use is renewed (its idle time starts again) at most once a minute: SessionRenewalMiddleware.
SESSION_RENEW_SECONDS = 60

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "invoicedesk" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Tokyo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "invoicedesk" / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Every task is a procrastinate job written in the transaction of its work (core.queue); the tests use it too.
TASKS = {"default": {"BACKEND": "invoicedesk.core.queue.ProcrastinateBackend"}}

# The National Tax Agency's registry of qualified invoice issuers (適格請求書発行事業者公表システム Web-API).
# Without an application ID registration numbers are not checked (Settings says so). docs/accounting.md.
NTA_APP_ID = os.environ.get("NTA_APP_ID", "")
NTA_API_URL = os.environ.get("NTA_API_URL", "https://web-api.invoice-kohyo.nta.go.jp")
NTA_TIMEOUT_SECONDS = float(os.environ.get("NTA_TIMEOUT_SECONDS", "10"))

# Content Security Policy: everything from our own origin; nothing inline but
# what carries the per-request nonce.
# Stripe.js (pay page, production only) needs its own origins.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE, "https://js.stripe.com"],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "https://*.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": [CSP.SELF, "https://api.stripe.com"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() in {"1", "true", "yes"}
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Stripe. With STRIPE_SECRET_KEY set the app talks to Stripe itself; without
# it (development and tests) it talks to localstripe at STRIPE_API_BASE, and the
# pay page shows a clearly marked test-mode card form instead of Stripe.js.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
# The signing secret of the Connect endpoint (/stripe/connect-webhook/), which Stripe gives an endpoint registered
# for connected accounts' events: another endpoint, another secret. Unset in production, that endpoint takes nothing.
STRIPE_CONNECT_WEBHOOK_SECRET = os.environ.get("STRIPE_CONNECT_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
if PRODUCTION and not (STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured(
        f"STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET must be set in production{_LOCAL_HINT}"
    )
if not STRIPE_SECRET_KEY:
    STRIPE_API_BASE = STRIPE_API_BASE or f"http://127.0.0.1:{os.environ.get('LOCALSTRIPE_PORT', '8420')}"
    STRIPE_SECRET_KEY = "sk_test_localstripe"
    STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET or "whsec_localstripe_development"
    STRIPE_CONNECT_WEBHOOK_SECRET = STRIPE_CONNECT_WEBHOOK_SECRET or "whsec_localstripe_connect_development"
STRIPE_TEST_CARD_FORM = bool(STRIPE_API_BASE)
# "Connect a Stripe account" posts a form that redirects to Stripe's hosted onboarding (an Account Link), and
# Chromium holds a form's redirects to form-action too. Against a Stripe-compatible server (the Connect double
# of `make run` and the tests), its onboarding page is on that server's host, on whatever port it was given.
_STRIPE_API_HOST = urllib.parse.urlsplit(STRIPE_API_BASE)
SECURE_CSP["form-action"] = [
    CSP.SELF,
    "https://connect.stripe.com",
    *([f"{_STRIPE_API_HOST.scheme}://{_STRIPE_API_HOST.hostname}:*"] if STRIPE_API_BASE else []),
]
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2"))
STRIPE_TIMEOUT_SECONDS = float(os.environ.get("STRIPE_TIMEOUT_SECONDS", "20"))
# How long a worker task may run before it is taken for dead (its lease). A Stripe call's worst case,
# STRIPE_TIMEOUT_SECONDS × (STRIPE_MAX_NETWORK_RETRIES + 1), must stay below it (system check invoicedesk.E001).
WORKER_TASK_TIMEOUT_SECONDS = int(os.environ.get("WORKER_TASK_TIMEOUT_SECONDS", "300"))
# How often an idle worker looks for work: new jobs wake it at once (procrastinate's LISTEN/NOTIFY); the poll
# catches scheduled jobs and Stripe events stored in their own table (core.work_queues).
WORKER_POLL_SECONDS = float(os.environ.get("WORKER_POLL_SECONDS", "1"))
# Each worker writes a heartbeat this often. A job whose worker has had none for WORKER_STALLED_SECONDS is taken
# for abandoned (kill -9, a lost machine) and run again by the next stalled-job sweep (every
# WORKER_STALLED_SWEEP_SECONDS); a job whose worker is alive is never run twice, however long it takes.
WORKER_HEARTBEAT_SECONDS = float(os.environ.get("WORKER_HEARTBEAT_SECONDS", "5"))
WORKER_STALLED_SECONDS = float(os.environ.get("WORKER_STALLED_SECONDS", "30"))
WORKER_STALLED_SWEEP_SECONDS = int(os.environ.get("WORKER_STALLED_SWEEP_SECONDS", "10"))
# Jobs one worker process runs at once (threads): a slow Stripe call or reconciliation does not hold up the rest.
WORKER_CONCURRENCY = int(os.environ.get("WORKER_CONCURRENCY", "4"))
# Finished jobs are deleted after this many hours (a periodic job).
JOB_RETENTION_HOURS = int(os.environ.get("JOB_RETENTION_HOURS", str(7 * 24)))
# procrastinate: the worker is ours (`run_worker`); our tasks are django.tasks ones (core.queue), not discovered.
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = ""
PROCRASTINATE_IMPORT_PATHS = ["invoicedesk.core.queue"]
# An instance of stripe.HTTPClient to use instead of the default requests client (None: the default).
STRIPE_HTTP_CLIENT = None
# Stripe's rate limit (requests per second: 25 in test mode, 100 live). The reconciliation's calls are paced to it
# across every worker process (core.pacing); lower it to leave room for refunds and pages while one runs.
STRIPE_RATE_LIMIT_PER_SECOND = float(
    os.environ.get("STRIPE_RATE_LIMIT_PER_SECOND")
    or (25 if STRIPE_SECRET_KEY.startswith(("sk_test_", "rk_test_")) else 100)
)
# Payment links per reconciliation job (each job compares, and fixes, its links, then the run may finish).
RECONCILE_LINKS_PER_JOB = int(os.environ.get("RECONCILE_LINKS_PER_JOB", "1"))
# Webhook signatures older than this are refused (replay protection).
STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300

# The refund window and the detail page learn of Stripe's answer by long polls that the recording commit wakes
# (refunds.live): how long one request may wait, and how many may wait at once in one web process (keep it
# below WEB_THREADS; past it pages ask again every 2 s).
REFUND_LONG_POLL_SECONDS = float(os.environ.get("REFUND_LONG_POLL_SECONDS", "20"))
REFUND_LONG_POLLS_PER_PROCESS = int(os.environ.get("REFUND_LONG_POLLS_PER_PROCESS", "4"))

# How long a newly issued payment link stays payable.
PAYMENT_LINK_VALID_DAYS = int(os.environ.get("PAYMENT_LINK_VALID_DAYS", "30"))
# The public address of this app (scheme and host, e.g. https://desk.example.com). Emails have no request to
# take a host from, so every link they carry is made absolute from SITE_URL; production refuses to start
# without it. PUBLIC_BASE_URL is its older name. Elsewhere links follow the request, emails the demo's address.
PUBLIC_BASE_URL = (os.environ.get("SITE_URL") or os.environ.get("PUBLIC_BASE_URL", "")).rstrip("/")
if PRODUCTION and not PUBLIC_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        "SITE_URL must be set in production: the app's public address, e.g. https://desk.example.com"
    )
SITE_URL = PUBLIC_BASE_URL or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"

# Email. With SMTP_HOST set, mail goes to that server; otherwise (development)
# every message is written as a file under var/mail/.
SMTP_HOST = os.environ.get("SMTP_HOST", "")
# Per socket operation; a whole send (connect, greeting, TLS, auth, DATA) takes a few of them, which must fit
# in WORKER_TASK_TIMEOUT_SECONDS, or another worker takes the email for abandoned and sends it again.
SMTP_TIMEOUT_SECONDS = float(os.environ.get("SMTP_TIMEOUT_SECONDS", "20"))
if PRODUCTION and not SMTP_HOST:
    raise ImproperlyConfigured(f"SMTP_HOST must be set in production{_LOCAL_HINT}")
if SMTP_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": SMTP_HOST,
                "port": int(os.environ.get("SMTP_PORT", "587")),
                "username": os.environ.get("SMTP_USERNAME", ""),
                "password": os.environ.get("SMTP_PASSWORD", ""),
                "use_tls": os.environ.get("SMTP_USE_TLS", "true").lower() in {"1", "true", "yes"},
                "timeout": SMTP_TIMEOUT_SECONDS,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "invoicedesk <no-reply@invoicedesk.example>")

# Invoice list: rows per page, and how far the "N invoices" counter counts
# before it says "more than N" (an exact COUNT over a huge result is slow).
BILLING_PAGE_SIZE = 50

# The REST API (/api/v1/): requests per API key per minute, and how long the answers to idempotency keys are
# kept (Stripe keeps its own 24 hours; ours at least as long).
API_RATE_LIMIT_PER_MINUTE = int(os.environ.get("API_RATE_LIMIT_PER_MINUTE", "120"))
# The largest API request body taken (a refund's is well under 10 kB); a larger one gets 413 `request_too_large`.
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(64 * 1024)))
API_IDEMPOTENCY_RETENTION = timedelta(hours=int(os.environ.get("API_IDEMPOTENCY_RETENTION_HOURS", "168")))
BILLING_COUNT_LIMIT = 1000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler would print each of its lines a second time beside ours (the root's).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "INFO"},
        # The SDK logs every request at INFO; ours log what matters.
        "stripe": {"level": "WARNING"},
        # WeasyPrint reports each step of every PDF, fontTools each font subset: only problems here.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # A line per task start and finish drowns the worker's output; failures are logged at ERROR.
        "django.tasks": {"level": os.environ.get("TASKS_LOG_LEVEL", "WARNING")},
        "procrastinate": {"level": os.environ.get("TASKS_LOG_LEVEL", "WARNING")},
        # runserver's line per request; `make run` sets WARNING so only 4xx/5xx show.
        "django.server": {"level": os.environ.get("ACCESS_LOG_LEVEL", "INFO"), "propagate": True},
    },
}

# Issued documents (qualified return invoices) are kept at least this long; nothing deletes them earlier.
DOCUMENT_RETENTION_YEARS = int(os.environ.get("DOCUMENT_RETENTION_YEARS", "10"))

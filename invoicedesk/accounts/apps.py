from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "invoicedesk.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Here, not at the top: models must be loaded first.
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from .signin import on_login, on_login_failed, on_logout

        # Django's own events (not a business event of ours): sign-ins are audited where accounts live.
        user_logged_in.connect(on_login, dispatch_uid="audit.login")
        user_logged_out.connect(on_logout, dispatch_uid="audit.logout")
        user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")

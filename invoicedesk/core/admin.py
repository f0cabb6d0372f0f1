from typing import Any

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """For append-only records and rows that move only through services: support staff look, never touch."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

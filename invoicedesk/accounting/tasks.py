"""The registry's tasks: a number's lookup when it is entered, and the nightly check through `diff`."""

from django.tasks import task

from .registry import check_enabled, lookup_numbers, refresh_from_diff


@task()
def registry_lookup(numbers: list[str]) -> None:
    lookup_numbers(numbers)


@task()
def registry_refresh() -> None:
    refresh_from_diff()


def registry_refresh_enqueue() -> None:
    """The nightly periodic job: queue the check, only when an application ID is configured."""
    if check_enabled():
        registry_refresh.enqueue()

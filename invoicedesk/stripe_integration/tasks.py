from django.tasks import task

from .dispatch import stripe_event_process


@task()
def process_stripe_event(event_pk: int) -> None:
    stripe_event_process(event_pk=event_pk)

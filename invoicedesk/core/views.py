from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .queue import queue_health


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and `make run`: the process answers and its database does; and for whoever watches the
    workers, how long the oldest waiting job has waited and when each worker last sent its heartbeat."""
    return JsonResponse({"status": "ok", **queue_health()})

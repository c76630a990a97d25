"""Publishing a Celery task from a request without ever holding the request up.

Every asynchronous job has a row first (an outbox e-mail, a PDF job) and a sweeper
in Celery beat that re-queues rows nobody picked up, so publishing is only a
shortcut: when the broker is down or frozen we log, give up within about a second
and leave the row for the sweeper.
"""

import logging
import threading
import time

logger = logging.getLogger(__name__)

#: After a failed publish this process does not try the broker again for this long,
#: so a request that queues several tasks pays the broker timeout once at most.
PAUSE_AFTER_FAILURE = 30.0

_lock = threading.Lock()
_broker_down_until = 0.0


def publish(task, *args, **kwargs) -> bool:
    """Queue `task(*args, **kwargs)`; True when the broker took it.

    One attempt, bounded by the broker socket and connect timeouts in settings
    (CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_BROKER_CONNECTION_TIMEOUT). Any error
    is logged and swallowed: the caller's row stays for the sweeper.
    """
    global _broker_down_until
    eager = task.app.conf.task_always_eager
    if not eager and time.monotonic() < _broker_down_until:
        logger.info("Broker recently unreachable: %s left for the sweeper.", task.name)
        return False
    try:
        task.apply_async(args=args, kwargs=kwargs or None, retry=False)
    except Exception as exc:
        if not eager:
            with _lock:
                _broker_down_until = time.monotonic() + PAUSE_AFTER_FAILURE
        logger.warning("Could not queue %s%r (%s: %s); the sweeper will retry.",
                       task.name, args, type(exc).__name__, exc)
        return False
    return True


def forget_broker_failures() -> None:
    """Try the broker again at the next publish (tests, and after a known recovery)."""
    global _broker_down_until
    with _lock:
        _broker_down_until = 0.0

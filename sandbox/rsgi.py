"""The entry point ``vendor-sandbox serve`` has Granian import in each worker: ``sandbox.rsgi:app``, a
:class:`~sandbox.core.bridge.Bridge`, served through Granian's ASGI interface (its scope carries the raw
request path; the bridge also speaks RSGI).

The worker's WSGI app (:func:`sandbox.serve.app_for_worker`: the app its parent already built,
behind admission) behind the bridge that reads each request body in the event loop, under a
deadline, before a thread runs the app (:mod:`sandbox.core.bridge`).
"""

from sandbox.config import load
from sandbox.core.bridge import Bridge
from sandbox.serve import BLOCKING_THREADS, app_for_worker, count_from_environment


def app_for_rsgi_worker() -> Bridge:
    settings = load()  # in a worker of ``serve``: exactly the parent's, handed down in the environment
    return Bridge(
        app_for_worker(),
        threads=count_from_environment("VENDOR_SANDBOX_BLOCKING_THREADS", BLOCKING_THREADS),
        max_body_bytes=settings.max_body_bytes,
        body_timeout=settings.body_timeout_seconds,
        max_pending=settings.max_pending_bodies,
    )


app = app_for_rsgi_worker()

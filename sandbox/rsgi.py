"""The RSGI entry point ``vendor-sandbox serve`` has Granian import in each worker: ``sandbox.rsgi:app``.

Like :mod:`sandbox.wsgi`, a worker forked from ``serve`` takes the app its parent already built;
the bridge in front of it reads request bodies before a thread runs the app
(:func:`sandbox.serve.rsgi_app_for_worker`).
"""

from sandbox.serve import rsgi_app_for_worker

app = rsgi_app_for_worker()

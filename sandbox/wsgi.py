"""The WSGI entry point for other WSGI servers (e.g. gunicorn): ``sandbox.wsgi:app``.

``vendor-sandbox serve`` itself runs :mod:`sandbox.rsgi`, which reads request bodies without a
thread before this same app runs. Settings arrive through the environment (see
:func:`sandbox.config.to_environment`), so every worker builds exactly the app that was asked
for. A worker forked from ``serve`` takes the app its parent already built
(:func:`sandbox.serve.app_for_worker`).
"""

from sandbox.serve import app_for_worker

app = app_for_worker()

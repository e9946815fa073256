"""The WSGI entry point the production server imports in each worker: ``sandbox.wsgi:app``.

Settings arrive through the environment (see :func:`sandbox.config.to_environment`), so every
worker builds exactly the app that ``vendor-sandbox serve`` was asked for. A worker forked from
``serve`` takes the app its parent already built (:func:`sandbox.serve.app_for_worker`).
"""

from sandbox.serve import app_for_worker

app = app_for_worker()

"""The WSGI entry point the production server imports in each worker: ``sandbox.wsgi:app``.

Settings arrive through the environment (see :func:`sandbox.config.to_environment`), so every
worker builds exactly the app that ``vendor-sandbox serve`` was asked for.
"""

from sandbox.app import create_app

app = create_app()

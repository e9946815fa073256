"""The partner kit's tests use pytest's own ``pytester`` to run the plugin in a separate session."""

pytest_plugins = ["pytester"]

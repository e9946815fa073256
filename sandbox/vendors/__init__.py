"""One package per emulated vendor, each with the same file roles (see ``docs/development.md``), found
through the ``vendor_sandbox.vendors`` entry points (:mod:`sandbox.core.registry`)."""

"""One package per emulated vendor, each with the same modules: routes, service, models, auth, errors."""

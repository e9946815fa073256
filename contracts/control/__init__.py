"""The control plane's own contract (``/__sandbox``): request and response schemas."""

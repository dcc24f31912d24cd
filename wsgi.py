"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi ...``."""

import gc

from grants import create_app

app = create_app()

# Everything made while loading the app (modules, routes, templates, models) lives as long as the
# process: moved out of the garbage collector's sight, so that its collections during a request walk
# only what that request made (a fifth of a small page's time otherwise).
gc.collect()
gc.freeze()

"""WSGI entry point: ``gunicorn -c packaging/gunicorn.conf.py wsgi:app``.

Configuration comes from SERVICEDESK_CONFIG and SERVICEDESK_* (see config/servicedesk.example.cfg);
a missing required key stops the worker at start-up with a message naming it.
"""

from app import create_app

app = create_app()

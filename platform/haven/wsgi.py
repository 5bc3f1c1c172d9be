"""The WSGI entry point. Haven's web tier is WSGI on purpose: async hops can lose the
schema a request was routed to."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")

application = get_wsgi_application()

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fascia.settings")
application = get_wsgi_application()

# Every view's module imported now, not by the first request; then what the start made (some 700,000
# objects: Django, the app, WeasyPrint, pyx12, fhir.resources) is left out of the garbage collector's
# passes. It lives as long as the worker, and a full pass over it is a stall for whichever request
# sets one off.
get_resolver().reverse_dict  # noqa: B018 (its patterns too, for reverse() and for resolving)
gc.freeze()

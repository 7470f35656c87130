"""Logging filters named in settings.LOGGING."""

import logging

from django.core.exceptions import PermissionDenied


class RefusalWithoutTraceback(logging.Filter):
    """Keep an ordinary refusal (PermissionDenied, a 403) to its one warning line.

    Django logs "Forbidden (Permission denied): /path" with the exception's traceback; a role refused a page
    is expected, not a fault, and a traceback per refusal buries the ones that matter. Other records pass
    unchanged, server errors with their tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True

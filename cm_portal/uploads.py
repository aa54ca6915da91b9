"""Uploads are refused while they stream, not after they have been read whole.

Two guards, as the request body arrives:

- ``UploadLimitMiddleware`` answers 413 when the declared ``Content-Length`` is over
  ``UPLOAD_MAX_BODY_BYTES``, before anything reads the body;
- ``LimitedUploadHandler`` (first in ``FILE_UPLOAD_HANDLERS``) counts the bytes of the files
  as the multipart parser hands them over and stops the upload once they pass
  ``UPLOAD_MAX_FILE_BYTES`` (a body whose length was not declared, or several files);
  the middleware then answers 413 instead of running the view with half a form.

The form's own, friendlier limit (10 MB for a scan) sits below both.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

_TOO_LARGE = "_upload_too_large"


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def too_large_response(request: HttpRequest) -> HttpResponse:
    """The 413 page: on its own (no navigation), as the request got no further than here."""
    limit_mb = settings.UPLOAD_MAX_BODY_BYTES // (1024 * 1024)
    content = render_to_string("413.html", {"limit_mb": limit_mb})
    # No "Connection: close" here: WSGI forbids hop-by-hop headers from the application; the
    # server deals with the body nobody read.
    return HttpResponse(content, status=413)


class LimitedUploadHandler(FileUploadHandler):
    """Counts the uploaded files' bytes and stops the upload past the limit."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_FILE_BYTES:
            if self.request is not None:
                setattr(self.request, _TOO_LARGE, True)
            # connection_reset: the parser reads no further.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _declared_length(request) > settings.UPLOAD_MAX_BODY_BYTES:
            return too_large_response(request)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        # Parse a multipart body here (the CSRF check would parse it next), so that a
        # stopped upload never reaches the view as a form without its file.
        if request.method == "POST" and request.content_type == "multipart/form-data":
            request.FILES  # noqa: B018  (parses the body through the upload handlers)
            if getattr(request, _TOO_LARGE, False):
                return too_large_response(request)
        return None

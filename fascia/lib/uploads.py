"""Uploaded documents: their real type by content (not by name or claimed type) and size, and serving them."""

import base64

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from PIL import Image

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# Leading bytes of the formats accepted for clinical documents.
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def document_type(head: bytes) -> str | None:
    """The content type a file's first bytes show, when it is a PDF, PNG or JPEG."""
    return next((kind for signature, kind in SIGNATURES.items() if head.startswith(signature)), None)


def too_large(size: int, limit: int = MAX_UPLOAD_BYTES) -> str | None:
    """Why a file of `size` bytes is refused before it is read, or None when its size is acceptable."""
    if size > limit:
        return f"The file is {size / 1024 / 1024:.1f} MB; the limit is {limit // 1024 // 1024} MB."
    return None


def image_damaged(upload: "File[bytes]") -> bool:
    """Whether a file whose first bytes say PNG or JPEG is not one Pillow can read (cut short, or only the
    signature in front of something else). The file is left at its start."""
    try:
        with Image.open(upload) as image:
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return True
    finally:
        upload.seek(0)
    return False


def checked_upload(upload: "File[bytes]", field: str | None = None, *, limit: int = MAX_UPLOAD_BYTES) -> str:
    """The uploaded document's content type (the file is left at its start), or a ValidationError saying why
    it is refused, about `field` when given. Images are opened to check they are one."""
    head = upload.read(16)
    upload.seek(0)
    size = upload.size or 0
    if oversized := too_large(size, limit):
        problem = oversized
    elif size == 0:
        problem = "The file is empty."
    elif (kind := document_type(head)) is None:
        problem = "Upload a PDF, PNG or JPEG file."
    elif kind != "application/pdf" and image_damaged(upload):
        problem = "This image is damaged or not really a PNG or JPEG: take the photo again."
    else:
        return kind
    raise ValidationError({field: problem} if field else problem)


MAX_IMAGE_BYTES = 2 * 1024 * 1024
IMAGE_TYPES = ("image/png", "image/jpeg")


def image_type(head: bytes) -> str | None:
    """The content type a file's first bytes show when it is a PNG (its header chunk first) or a JPEG."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def checked_image(upload: "File[bytes]", field: str | None = None) -> str:
    """The uploaded picture's content type (PNG or JPEG by its bytes, up to MAX_IMAGE_BYTES; the file is left at
    its start), or a ValidationError saying why it is refused, about `field` when given."""
    head = upload.read(16)
    upload.seek(0)
    size = upload.size or 0
    if size > MAX_IMAGE_BYTES:
        problem = f"The picture is {size / 1024 / 1024:.1f} MB; the limit is {MAX_IMAGE_BYTES // 1024 // 1024} MB."
    elif size == 0:
        problem = "The picture is empty."
    elif (kind := image_type(head)) is None:
        problem = "Upload a PNG or JPEG picture."
    else:
        return kind
    raise ValidationError({field: problem} if field else problem)


def data_uri(stored: FieldFile, content_type: str) -> str:
    """A stored picture as a data: URI, for a PDF that embeds it (WeasyPrint reads no media URLs); empty when its
    file is gone, so the document is still made, without the picture."""
    try:
        with stored.open("rb") as f:
            content = f.read()
    except OSError:
        return ""
    return f"data:{content_type};base64,{base64.b64encode(content).decode('ascii')}"


def document_response(stored: FieldFile) -> FileResponse:
    """A stored document, shown inline as the type its content shows, which the browser may not second-guess."""
    head = stored.open("rb").read(16)
    stored.seek(0)
    response = FileResponse(stored, content_type=document_type(head) or "application/octet-stream")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response

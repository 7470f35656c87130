"""Checks on uploaded documents: real type by content (not by name or claimed type) and size."""

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


def check_document(head: bytes, size: int) -> str:
    """The document's content type, or ValueError saying why it is refused."""
    if size > MAX_UPLOAD_BYTES:
        raise ValueError(f"The file is {size / 1024 / 1024:.1f} MB; the limit is 10 MB.")
    if size == 0:
        raise ValueError("The file is empty.")
    kind = document_type(head)
    if kind is None:
        raise ValueError("Upload a PDF, PNG or JPEG file.")
    return kind

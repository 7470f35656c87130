"""Checks of a PNG image drawn in the browser (a signature on a canvas), with the standard library only.

A canvas exports 8-bit RGBA, non-interlaced. Its untouched pixels are transparent black, all zero bytes, and
every PNG row filter leaves all-zero rows as zeros, so a drawing is blank when its pixel bytes (all but each
row's filter byte) are zero. Decompression stops at the size the header announces (no zip bomb).
"""

import struct
import zlib

from django.utils.translation import gettext as _

MAX_BYTES = 512 * 1024
MAX_SIDE = 4000
MAGIC = b"\x89PNG\r\n\x1a\n"
RGBA, DEPTH_8 = 6, 8


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of each chunk, in order; ValueError when the file is cut short."""
    chunks, at = [], len(MAGIC)
    while at < len(data):
        if at + 8 > len(data):
            raise ValueError("truncated chunk header")
        (length,), kind = struct.unpack(">I", data[at : at + 4]), data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        if len(body) != length:
            raise ValueError("truncated chunk")
        chunks.append((kind, body))
        at += 12 + length  # length, type, body, CRC
    return chunks


def drawing_problem(data: bytes) -> str | None:
    """Why `data` is not an acceptable drawn signature (empty, too large, not a PNG, nothing drawn), or None."""
    if not data:
        return _("The signature image is empty.")
    if len(data) > MAX_BYTES:
        return _("The signature image is %(size)d KB; the limit is %(limit)d KB.") % {
            "size": len(data) // 1024,
            "limit": MAX_BYTES // 1024,
        }
    if not data.startswith(MAGIC):
        return _("The signature is not a PNG image.")
    try:
        chunks = _chunks(data)
        if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
            raise ValueError("no header")
        width, height, depth, color, _compression, _filter, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
        if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE) or (depth, color, interlace) != (DEPTH_8, RGBA, 0):
            return _("The signature image is not a drawing from the signature pad.")
        stride = 1 + 4 * width
        data = b"".join(body for kind, body in chunks if kind == b"IDAT")
        pixels = zlib.decompressobj().decompress(data, stride * height)
    except (ValueError, struct.error, zlib.error):
        return _("The signature image is damaged.")
    if len(pixels) != stride * height:
        return _("The signature image is damaged.")
    if not any(any(pixels[row + 1 : row + stride]) for row in range(0, len(pixels), stride)):
        return _("The signature pad is blank: draw your signature.")
    return None

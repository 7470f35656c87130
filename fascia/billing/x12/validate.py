"""pyx12's check of an 837P (005010X222A1), its findings as sentences naming the claim and segment.
Run on every file before anything is marked sent."""

import io
import json
import logging

import pyx12.errors
import pyx12.params
import pyx12.x12n_document

from fascia.billing.x12.edi837 import ELEMENT, SEGMENT

# pyx12 logs each finding, quoting segments that hold patient names and member IDs; validate_837()
# returns the findings instead, so keep them out of the server's logs.
_pyx12_log = logging.getLogger("pyx12")
_pyx12_log.addHandler(logging.NullHandler())
_pyx12_log.propagate = False


def _hl_level(segment: str) -> str:
    elements = segment.split(ELEMENT)
    return elements[3] if elements[0] == "HL" and len(elements) > 3 else ""


def _claim_at(segments: list[str], line: int) -> str:
    """The claim number (CLM01) of the subscriber loop holding the 1-based segment `line`, or ''."""
    start = next((i for i in range(min(line, len(segments)) - 1, -1, -1) if _hl_level(segments[i]) == "22"), None)
    if start is None:
        return ""
    for segment in segments[start + 1 :]:
        if segment.startswith("CLM*"):
            return segment.split(ELEMENT)[1]
        if _hl_level(segment) == "22" or segment.startswith("SE*"):
            break
    return ""


def _findings(report: dict, segments: list[str]) -> list[str]:
    messages = []
    for interchange in report.get("interchanges", []):
        messages += [f"Interchange: {e['err_str']}" for e in interchange["errors"]]
        for group in interchange["groups"]:
            messages += [f"Functional group: {e['err_str']}" for e in group["errors"]]
            for transaction in group["transactions"]:
                messages += [f"Transaction set: {e['err_str']}" for e in transaction["errors"]]
                for seg in transaction["segments"]:
                    where = f"{seg['cur_line']} {seg['seg_id']}" + (f" ({seg['name']})" if seg.get("name") else "")
                    number = _claim_at(segments, seg["cur_line"])
                    where = f"Claim {number}, segment {where}" if number else f"Segment {where}"
                    errors = seg["errors"] + [e for element in seg["elements"] for e in element["errors"]]
                    messages += [f"{where}: {e['err_str']}" for e in errors]
    return messages


def validate_837(text: str) -> list[str]:
    """pyx12's findings on an 837P, each a sentence naming the claim and segment; empty when it is valid."""
    report = io.StringIO()
    try:
        valid = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=None, fd_html=None, fd_json=report
        )
    except (pyx12.errors.X12Error, pyx12.errors.EngineError) as e:  # e.g. no map for the GS08 version
        return [f"pyx12 could not read the file: {e}"]
    findings = (
        _findings(json.loads(report.getvalue()), [s.strip() for s in text.split(SEGMENT)]) if report.getvalue() else []
    )
    if not valid and not findings:
        findings = ["pyx12 rejected the file: it is not a readable X12 interchange."]
    return findings

"""The rows of a repeated section (palpation, range of motion, techniques …) as the forms show them."""

from html.parser import HTMLParser

from fascia.evaluations.forms import PalpationRow, row_formset


class Cells(HTMLParser):
    """The table's header texts, and for each input the text of the label that names it."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.labels: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self._text: list[str] | None = None
        self._into = ("", "")  # what the text being read is (th, label, error) and the input it names

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "th":
            self._text, self._into = [], ("th", "")
        elif tag == "label":
            self._text, self._into = [], ("label", a["for"] or "")
        elif tag == "div" and (a.get("id") or "").endswith("_error"):
            self._text, self._into = [], ("error", (a["id"] or "").removesuffix("_error"))

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._text is None or tag not in ("th", "label", "div"):
            return
        (kind, key), text = self._into, "".join(self._text)
        if kind == "th":
            self.headers.append(text)
        else:
            (self.labels if kind == "label" else self.errors)[key] = text
        self._text = None


def cells(html: str) -> Cells:
    parser = Cells()
    parser.feed(html)
    return parser


def test_each_input_is_labelled_with_its_column_and_row() -> None:
    formset = row_formset(PalpationRow, [{"region": "neck", "tenderness": 2}], None, "findings")
    html = str(formset)
    found = cells(html)
    assert found.headers == ["Region", "Tone", "Tenderness (0-4)", "Trigger points", "Adhesions", "Edema", "Notes"]
    assert found.labels["id_findings-0-tenderness"] == "Tenderness (0-4), row 1"
    assert found.labels["id_findings-2-notes"] == "Notes, row 3"  # the stored row and two blank ones
    assert 'name="findings-TOTAL_FORMS" value="3"' in html
    assert 'name="findings-0-tenderness" value="2"' in html


def test_a_row_error_is_shown_beside_its_input_and_what_was_typed_is_escaped() -> None:
    data = {
        "findings-TOTAL_FORMS": "1",
        "findings-INITIAL_FORMS": "0",
        "findings-0-region": "<b>knee</b>",
        "findings-0-tenderness": "9",
    }
    formset = row_formset(PalpationRow, [], data, "findings")
    assert not formset.is_valid()
    html = str(formset)
    errors = cells(html).errors
    assert set(errors) == {"id_findings-0-region", "id_findings-0-tenderness"}
    assert "<b>knee</b> is not one of the available choices" in errors["id_findings-0-region"]
    assert "<b>" not in html and "&lt;b&gt;knee" in html
    assert "less than or equal to 4" in errors["id_findings-0-tenderness"]

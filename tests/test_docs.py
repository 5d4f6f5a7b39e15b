"""docs/: the generated reference pages equal a fresh generation from the registries, and `gradedesk docs`
writes and checks them."""

from pathlib import Path

import pytest

from cli.docs import PAGES, REGENERATE, generated_pages, page
from cli.main import main
from forms.fields import FIELDS, TABLES

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_committed_page_is_up_to_date(name):
    committed = DOCS / name
    assert committed.is_file(), f"docs/{name} is missing: run `{REGENERATE}` from the repository's root"
    assert committed.read_text(encoding="utf-8") == generated_pages()[name], (
        f"docs/{name} differs from what the registry says: run `{REGENERATE}` from the repository's root "
        "and commit the result")


def test_fields_page_names_every_field_column_and_table():
    text = generated_pages()["fields.md"]
    for spec in FIELDS.values():
        assert f"| `{spec.key}` | {spec.label} |" in text
    for table in TABLES.values():
        assert f"### `{table.key}` — {table.label}" in text
        for column in table.columns:
            assert f"| `{column.key}` |" in text


def test_docs_command_writes_and_checks(tmp_path, capsys):
    assert main(["docs", "--check", "--out", str(tmp_path)]) == 1  # nothing there yet: stale
    assert "gradedesk docs" in capsys.readouterr().err
    assert main(["docs", "--out", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == set(PAGES)
    assert main(["docs", "--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "fields.md").write_text("edited by hand\n", encoding="utf-8")
    assert main(["docs", "--check", "--out", str(tmp_path)]) == 1
    assert main(["docs", "--out", str(tmp_path / "absent")]) == 2


def test_a_new_page_is_one_function(tmp_path, monkeypatch):
    monkeypatch.setattr("cli.docs.PAGES", dict(PAGES))

    @page("extra.md")
    def _extra() -> str:
        return "# Extra\n"

    assert main(["docs", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "extra.md").read_text(encoding="utf-8") == "# Extra\n"


def test_documents_page_names_every_kind():
    from generators.kinds import KINDS

    text = generated_pages()["documents.md"]
    for kind in KINDS.values():
        assert f"| `{kind.name}` | {kind.title} | {', '.join(kind.formats)} |" in text

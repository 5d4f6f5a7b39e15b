"""A bundle whose application form words a label as no generator of fixtures/ does: the foundry sample's
form alone (no licence to state the code again), its 统一社会信用代码 cell written 机构证照号码."""

from __future__ import annotations

import io
import zipfile

from tests.web.support import SAMPLE, SAMPLES

FORM = "绩效分级申报表.docx"
LABEL = "统一社会信用代码"
NEW_LABEL = "机构证照号码"


def relabelled_form(new_label: str = NEW_LABEL, sample: str = SAMPLE, label: str = LABEL) -> bytes:
    """The sample's application form (.docx) with a label cell (the credit code's) reworded."""
    import docx

    with zipfile.ZipFile(SAMPLES / f"{sample}.zip") as z:
        document = docx.Document(io.BytesIO(z.read(FORM)))
    changed = 0
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.text.strip() == label:
                    cell.text = new_label
                    changed += 1
    assert changed, f"the sample form has no {label} cell"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def relabelled_zip(new_label: str = NEW_LABEL, label: str = LABEL) -> bytes:
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr(f"申报材料/{FORM}", relabelled_form(new_label, label=label))
    return bundle.getvalue()

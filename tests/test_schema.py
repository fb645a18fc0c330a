"""The published JSON Schema of decision and error records matches what eval writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from ndrc_rules.audit import schema

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "ndrc-rules"
DECISION = schema.shipped(f"decision-v{schema.VERSION}.schema.json")
ROW_ERROR = schema.shipped(f"row-error-v{schema.VERSION}.schema.json")


def test_the_shipped_schemas_are_the_models_own() -> None:
    """A record changed without regenerating (python -m ndrc_rules.audit.schema) fails here."""
    for name, generated in schema.generated().items():
        assert schema.shipped(name) == generated, name


@pytest.mark.parametrize("cohort", ["candidats_ndrc.csv", "candidats_ndrc_erreurs.csv"], ids=str)
def test_every_record_eval_writes_validates(cohort: str) -> None:
    out = subprocess.run(
        [
            SCRIPT,
            "eval",
            ROOT / "regulations" / "bts_ndrc.reg",
            ROOT / "examples" / cohort,
            "--format",
            "jsonl",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    records = [json.loads(line) for line in out.splitlines()]
    assert records
    for record in records:
        jsonschema.validate(record, ROW_ERROR if "error" in record else DECISION)


def test_a_record_that_breaks_the_format_is_rejected() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"row": 2, "id": "x", "error": {"code": 12}}, ROW_ERROR)

"""The published format of decision and error records, as JSON Schema.

Generated from the pydantic trace models, versioned, and shipped in the package
(`ndrc_rules/audit/schemas/`); a test checks that the shipped files match the models
and that real `eval` output validates against them. Regenerate after changing a
record: `python -m ndrc_rules.audit.schema`.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ndrc_rules.engine import trace as t

# 2: records carry their regulation, input row and time;
# 3: units carry their assessment forms, resit terms as the candidate can meet them,
#    a jury decision names the jury as decider and keeps the proposal's rule.
# 4: a figure that is a quotient (a mean, a division) carries its two sides;
#    the optional `near_miss` (explain, the API on request; never in records).
VERSION = 4
RECORDS: dict[str, type[t.Decision | t.ErrorRecord]] = {
    "decision": t.Decision,
    "row-error": t.ErrorRecord,
}


def generated() -> dict[str, dict[str, object]]:
    """Each record's schema, with its version and a stable identifier."""
    schemas = {}
    for name, model in RECORDS.items():
        schema = model.model_json_schema()
        schema["$id"] = f"https://ndrc-rules.invalid/schemas/{name}-v{VERSION}.schema.json"
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schemas[f"{name}-v{VERSION}.schema.json"] = schema
    return schemas


def shipped(name: str) -> dict[str, object]:
    text = resources.files("ndrc_rules.audit").joinpath("schemas", name).read_text("utf-8")
    schema: dict[str, object] = json.loads(text)
    return schema


def write(folder: Path) -> list[Path]:
    written = []
    for name, schema in generated().items():
        path = folder / name
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", "utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write(Path(__file__).parent / "schemas"):
        print(path)

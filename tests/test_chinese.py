"""#23 item 5: every explanation a rule gives and every refusal the services make can be read in Chinese. Checked
over the source, so a new criterion or problem code without its Chinese fails here, not in front of a claimant."""

import ast
import json
from pathlib import Path

from insurance_shared.i18n import problem_text_zh

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*ROOT.glob("services/*/src/**/*.py"), *ROOT.glob("shared/src/**/*.py")]
# where a problem code is the n-th positional argument
CODE_ARGUMENT = {
    "Unprocessable": 0,
    "Conflict": 0,
    "Forbidden": 0,
    "NotFound": 0,
    "UploadError": 0,
    "_unauthorized": 0,
    "Problem": 1,
    # an upload's line errors (LineErrors.add through a feature's fail, the bulk path's _errors) and a period's
    # refusal inside a declaration
    "fail": 1,
    "_errors": 2,
    "Refused": 1,
    "raise_any": 0,  # the refusal of a whole upload for its line errors
}
# codes made at run time, by family: each member needs its Chinese too
FAMILIES = {
    "{kind}_already_paid": ["medical_already_paid", "funeral_already_paid", "survivors_already_paid"],
    "REFUSALS": [
        "not_in_flexible_employment",
        "not_hard_to_employ",
        "not_paying_own_contributions",
        "maximum_period_used",
    ],
    "ids": [
        "resident_id_checksum",
        "resident_id_format",
        "resident_id_length",
        "credit_code_checksum",
        "credit_code_format",
        "credit_code_length",
        "card_number_checksum",
        "card_number_format",
    ],
    "payees": ["unknown_bank", "holder_not_claimant"],
    "errors.py": ["invalid_transition", "payments_invalid"],
}


def _calls():
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                yield path, node, f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def problem_codes() -> set[str]:
    codes = set()
    for _, node, name in _calls():
        arg = None
        if name in CODE_ARGUMENT and len(node.args) > CODE_ARGUMENT[name]:
            arg = node.args[CODE_ARGUMENT[name]]
        elif name == "FieldError":
            arg = next((k.value for k in node.keywords if k.arg == "code"), None)
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            codes.add(arg.value.replace(" ", "_") + "_not_found" if name == "NotFound" else arg.value)
    return codes | {c for family in FAMILIES.values() for c in family}


def test_every_problem_code_has_its_chinese() -> None:
    codes = problem_codes()
    assert len(codes) > 150  # the scan finds them (a broken scan would pass vacuously)
    assert sorted(c for c in codes if problem_text_zh(c) is None) == []


def test_every_criterion_is_explained_in_chinese_beside_english() -> None:
    missing, seen = [], 0
    for path, node, name in _calls():
        if name != "Criterion":
            continue
        seen += 1
        positional = len(node.args) >= 7
        if not positional and not any(k.arg == "explanation_zh" for k in node.keywords):
            missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert seen > 30 and missing == []


def test_the_catalogue_is_chinese_and_names_no_code_twice() -> None:
    raw = (ROOT / "shared/src/insurance_shared/data/problems.zh.json").read_text("utf-8")
    pairs = json.loads(raw, object_pairs_hook=list)
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys))
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for _, text in pairs)

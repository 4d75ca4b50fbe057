"""Common contracts and mechanisms of the Jilin unemployment-insurance services (吉政办发〔2005〕58号).

The public surface is re-exported here; modules behind it may change.
"""

from .access_log import record_look
from .app import build_service_app, problem_doc
from .appeals import AppealSupport, Overturned
from .auth import Principal, Role, TokenVerifier, issue_token, require_roles
from .bus import MessageBus, publish
from .cli import run_cli
from .dates import LAW_START, ActDate, LawDate, check_bookable
from .db import (
    COPY_THRESHOLD,
    BigIntPK,
    Database,
    Session,
    UTCDateTime,
    copy_new_rows,
    copy_out_csv,
    insert_returning_ids,
    insert_rows,
    is_postgresql,
    new_metadata,
    take_turn,
    upsert_insert,
    upsert_rows,
    utcnow,
)
from .decision_records import SYSTEM, decision_overturned, latest_decision, record_decision
from .decisions import Criterion, CriterionOut, criterion_dict
from .documents import ensure_document
from .errors import Conflict, FieldError, Forbidden, NotFound, Problem, Unprocessable, ensure_transition
from .ids import (
    CreditCode,
    ResidentId,
    bank_card_problem,
    birth_place_known,
    mask_id_number,
    mask_name,
    validate_credit_code,
    validate_resident_id,
)
from .money import Money, MoneyOut, format_yuan, parse_yuan, round_half_up, share_of
from .parameter_api import (
    ParameterSpec,
    no_cross_check,
    parameters_router,
    parameters_version,
    share,
    whole_number,
    yuan,
)
from .parameter_api import all_values as parameter_values
from .parameters import ParameterValue, Variant, in_force, in_force_all, load_parameter_file, variant_on
from .peers import peer
from .pii import Sealed, person_key, person_keys
from .regions import PROVINCE, RegionCode, all_regions, get_region, is_known_region
from .settings import ServiceSettings
from .totals import month_range, totals_router
from .writes import Write, writer

__all__ = [
    "COPY_THRESHOLD",
    "LAW_START",
    "PROVINCE",
    "SYSTEM",
    "ActDate",
    "AppealSupport",
    "BigIntPK",
    "Conflict",
    "CreditCode",
    "Criterion",
    "CriterionOut",
    "Database",
    "FieldError",
    "Forbidden",
    "LawDate",
    "MessageBus",
    "Money",
    "MoneyOut",
    "NotFound",
    "Overturned",
    "ParameterSpec",
    "ParameterValue",
    "Principal",
    "Problem",
    "RegionCode",
    "ResidentId",
    "Role",
    "Sealed",
    "ServiceSettings",
    "Session",
    "TokenVerifier",
    "UTCDateTime",
    "Unprocessable",
    "Variant",
    "Write",
    "all_regions",
    "bank_card_problem",
    "birth_place_known",
    "build_service_app",
    "check_bookable",
    "copy_new_rows",
    "copy_out_csv",
    "criterion_dict",
    "decision_overturned",
    "ensure_document",
    "ensure_transition",
    "format_yuan",
    "get_region",
    "in_force",
    "in_force_all",
    "insert_returning_ids",
    "insert_rows",
    "is_known_region",
    "is_postgresql",
    "issue_token",
    "latest_decision",
    "load_parameter_file",
    "mask_id_number",
    "mask_name",
    "month_range",
    "new_metadata",
    "no_cross_check",
    "parameter_values",
    "parameters_router",
    "parameters_version",
    "parse_yuan",
    "peer",
    "person_key",
    "person_keys",
    "problem_doc",
    "publish",
    "record_decision",
    "record_look",
    "require_roles",
    "round_half_up",
    "run_cli",
    "share",
    "share_of",
    "take_turn",
    "totals_router",
    "upsert_insert",
    "upsert_rows",
    "utcnow",
    "validate_credit_code",
    "validate_resident_id",
    "variant_on",
    "whole_number",
    "writer",
    "yuan",
]

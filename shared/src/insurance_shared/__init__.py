"""Common contracts and mechanisms of the Jilin unemployment-insurance services (吉政办发〔2005〕58号).

The public surface is re-exported here; modules behind it may change.
"""

from .auth import Principal, Role, TokenVerifier, issue_token, require_roles
from .dates import LAW_START, ActDate, LawDate
from .db import Database, Session, new_metadata
from .errors import Conflict, FieldError, Forbidden, NotFound, Problem, Unprocessable
from .ids import CreditCode, ResidentId, mask_id_number, mask_name
from .money import Money, MoneyOut, format_yuan, parse_yuan, round_half_up, share_of
from .regions import PROVINCE, RegionCode, all_regions, get_region, is_known_region
from .settings import ServiceSettings
from .writes import Write, writer

__all__ = [
    "LAW_START",
    "PROVINCE",
    "ActDate",
    "Conflict",
    "CreditCode",
    "Database",
    "FieldError",
    "Forbidden",
    "LawDate",
    "Money",
    "MoneyOut",
    "NotFound",
    "Principal",
    "Problem",
    "RegionCode",
    "ResidentId",
    "Role",
    "ServiceSettings",
    "Session",
    "TokenVerifier",
    "Unprocessable",
    "Write",
    "all_regions",
    "format_yuan",
    "get_region",
    "is_known_region",
    "issue_token",
    "mask_id_number",
    "mask_name",
    "new_metadata",
    "parse_yuan",
    "require_roles",
    "round_half_up",
    "share_of",
    "writer",
]

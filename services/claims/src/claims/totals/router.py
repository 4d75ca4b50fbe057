from insurance_shared import Role
from insurance_shared.totals import totals_router

from .repository import items

router = totals_router("claims", items, readers=(Role.SOCIAL_INSURANCE,))

from insurance_shared import Role, totals_router

from .repository import items

router = totals_router("contributions", items, readers=(Role.SOCIAL_INSURANCE,))

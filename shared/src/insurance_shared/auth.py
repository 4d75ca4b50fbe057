"""Bearer tokens (JWT via PyJWT) and the region scope every object read or write is checked against.

A token carries ``sub``, ``region`` and ``roles``. A city caller sees and changes only its own region's objects;
the role ``province`` reads every region (OWASP API1, broken object-level authorisation). An object of another
region answers 404, so a caller cannot learn that it exists.
"""

import datetime as dt
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt
from fastapi import Request
from fastapi.security import HTTPBearer

from .errors import NotFound, Problem
from .openapi import ROLE_ATTRIBUTE
from .regions import is_known_region

__all__ = [
    "Principal",
    "Role",
    "TokenVerifier",
    "issue_token",
    "require_roles",
]


class Role(StrEnum):
    SOCIAL_INSURANCE = "social_insurance"  # 社保经办机构 (city/prefecture social-insurance agency)
    EMPLOYMENT_SERVICE = "employment_service"  # 就业服务机构
    LABOR_DEPARTMENT = "labor_department"  # 劳动保障部门
    COMMUNITY = "community"  # 街道、社区劳动保障服务机构
    LOCAL_GOVERNMENT = "local_government"  # 市/州人民政府: receives payment-capacity alerts (N§8)
    PROVINCE = "province"  # 省劳动保障厅 / 省社会保险公司: reads every region
    SERVICE = "service"  # another service of this system (event feeds)


@dataclass(frozen=True, slots=True)
class Principal:
    sub: str
    region: str
    roles: frozenset[str]

    @property
    def reads_all_regions(self) -> bool:
        return Role.PROVINCE in self.roles or Role.SERVICE in self.roles

    def can_read(self, region: str) -> bool:
        return self.reads_all_regions or region == self.region

    def region_to_read(self, asked: str | None) -> str | None:
        """The region a list is filtered to: the one asked for, else the caller's own (None: every region, for the
        province and the services). Another region's is refused, not quietly answered with the caller's own."""
        region = asked or (None if self.reads_all_regions else self.region)
        if region is not None and not self.can_read(region):
            raise Problem(
                403, "region_forbidden", "Forbidden", f"a token of region {self.region} reads its own region only"
            )
        return region

    def ensure_readable(self, region: str, what: str, key: str) -> None:
        """Raise 404 for another region's object: its existence is not the caller's business."""
        if not self.can_read(region):
            raise NotFound(what, key)

    def ensure_writable(self, region: str, *, field: str = "body.region") -> None:
        """Writes stay in the caller's own region, the province's included."""
        if region != self.region:
            raise Problem(
                403,
                "region_forbidden",
                "Forbidden",
                f"a token of region {self.region} may not write objects of region {region}",
                extra={"field": field},
            )


def _unauthorized(code: str, detail: str) -> Problem:
    return Problem(401, code, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def _why_invalid(exc: Exception) -> str:
    """What a person can act on, not PyJWT's own words ("Not enough segments")."""
    if isinstance(exc, jwt.InvalidSignatureError):
        return "the token's signature does not match: it was issued for another system or altered; ask for a new one"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"the token has no {exc.claim} claim; ask for a new one"
    if isinstance(exc, jwt.ImmatureSignatureError):
        return "the token is not valid yet (its iat or nbf is in the future): check the issuer's clock"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "the token is signed with an algorithm this service does not accept"
    if isinstance(exc, jwt.DecodeError):
        return "the bearer value is not a token (a JWT is three base64url parts joined by dots): copy it whole"
    return "the token is not valid; ask for a new one"


class TokenVerifier:
    """HS256 with a shared secret by default; RS256 with a public key once one is configured.

    A dashboard or a city system sends the same token on every call for hours; verifying it costs more than many
    endpoints' own work, so a verified token's principal is remembered (bounded, most recent first) until its
    ``exp``. A token is only ever remembered after its signature checked out, and its expiry is checked on every
    use, so the cache changes nothing about which calls are accepted.
    """

    CACHE_SIZE = 4096

    def __init__(
        self,
        *,
        secret: str,
        public_key: str | None = None,
        jwks_url: str | None = None,
        jwks_cooldown_seconds: float = 30,
        leeway_seconds: int = 30,
    ) -> None:
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        # the province's identity provider publishes its keys (JWKS); each token names its key (kid), so keys can
        # rotate without a restart: PyJWKClient caches them and asks again for a kid it does not know (at most once
        # per cooldown, so tokens with made-up kids cannot make it hammer the provider)
        self._jwks = (
            jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300, timeout=5, cooldown_duration=jwks_cooldown_seconds)
            if jwks_url
            else None
        )
        if self._jwks is not None:
            self._key = None
            self._algorithms = ["RS256"]
        elif public_key:
            self._key: Any = public_key
            self._algorithms = ["RS256"]
        else:
            self._key = secret
            self._algorithms = ["HS256"]
        self._leeway = leeway_seconds

    def verify(self, token: str) -> Principal:
        hit = self._verified.get(token)
        if hit is not None:
            principal, expires = hit
            if time.time() <= expires + self._leeway:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
        principal, expires = self._verify(token)
        self._verified[token] = (principal, expires)
        if len(self._verified) > self.CACHE_SIZE:
            self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        key = self._key
        if self._jwks is not None:
            try:
                key = self._jwks.get_signing_key_from_jwt(token).key
            except (jwt.PyJWKClientError, jwt.DecodeError) as exc:
                raise _unauthorized("token_key_unknown", f"the token's signing key is not published: {exc}") from None
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                leeway=self._leeway,
                options={"require": ["sub", "exp"]},
            )
        except jwt.ExpiredSignatureError:
            raise _unauthorized("token_expired", "the token has expired") from None
        except jwt.InvalidTokenError as exc:
            raise _unauthorized("token_invalid", _why_invalid(exc)) from None
        region, roles = claims.get("region"), claims.get("roles")
        if not isinstance(region, str) or not is_known_region(region):
            raise _unauthorized("token_invalid", "the token's region claim is missing or unknown")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise _unauthorized("token_invalid", "the token's roles claim must be a list of strings")
        return Principal(sub=str(claims["sub"]), region=region, roles=frozenset(roles)), float(claims["exp"])


def issue_token(
    secret: str,
    *,
    sub: str,
    region: str,
    roles: Iterable[str],
    ttl: dt.timedelta = dt.timedelta(hours=8),
    algorithm: str = "HS256",
) -> str:
    """Sign a token: for development, tests, and services calling their peers."""
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": sub, "region": region, "roles": sorted(set(roles)), "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm=algorithm)


class _RoleBearer(HTTPBearer):
    """The bearer scheme, as OpenAPI shows it, and the role check in one dependency: FastAPI works through every
    dependency of a route on every request, and a chain of three (scheme, token, roles) cost more than verifying a
    remembered token."""

    def __init__(self, allowed: frozenset[str]) -> None:
        super().__init__(scheme_name="HTTPBearer", auto_error=False, description="JWT: sub, region, roles")
        self.allowed = allowed
        self.refusal = f"this call needs one of the roles {', '.join(sorted(allowed))}"
        setattr(self, ROLE_ATTRIBUTE, tuple(sorted(allowed)))  # read by openapi.exact_contract

    # async although it awaits nothing: FastAPI runs a plain ``def`` dependency in a worker thread, which costs
    # more than the check itself
    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Problem(
                401,
                "token_missing",
                "Unauthorized",
                "send a bearer token: Authorization: Bearer <jwt>",
                headers={"WWW-Authenticate": "Bearer"},
            )
        verifier: TokenVerifier = request.app.state.token_verifier
        principal = verifier.verify(token)
        request.state.principal = principal
        if not principal.roles & self.allowed:
            raise Problem(403, "role_forbidden", "Forbidden", self.refusal)
        return principal


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller sends a valid bearer token (else 401) and holds one of ``roles`` (else 403)."""
    return _RoleBearer(frozenset(roles))

"""Tokens: HS256 by default, RS256 when a public key is configured; every failure a 401 with its own code."""

import datetime as dt
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from insurance_shared import Principal, Problem, TokenVerifier, issue_token

SECRET = "test-secret-0123456789abcdef0123456789"


def refused(verifier: TokenVerifier, token: str) -> Problem:
    with pytest.raises(Problem) as info:
        verifier.verify(token)
    assert info.value.status == 401
    return info.value


def test_valid_token() -> None:
    token = issue_token(SECRET, sub="agency-cc", region="220100", roles=["social_insurance"])
    p = TokenVerifier(secret=SECRET).verify(token)
    assert p == Principal(sub="agency-cc", region="220100", roles=frozenset({"social_insurance"}))


def test_expired() -> None:
    token = issue_token(SECRET, sub="x", region="220100", roles=["province"], ttl=dt.timedelta(minutes=-5))
    assert refused(TokenVerifier(secret=SECRET), token).code == "token_expired"


def test_a_remembered_token_still_expires() -> None:
    verifier = TokenVerifier(secret=SECRET, leeway_seconds=0)
    token = issue_token(SECRET, sub="u", region="220100", roles=["province"], ttl=dt.timedelta(seconds=1))
    assert verifier.verify(token).sub == "u"
    assert verifier.verify(token).sub == "u"  # from memory
    time.sleep(2.1)
    assert refused(verifier, token).code == "token_expired"


def test_remembering_is_bounded_and_never_accepts_a_bad_signature() -> None:
    verifier = TokenVerifier(secret=SECRET)
    verifier.CACHE_SIZE = 3
    tokens = [issue_token(SECRET, sub=f"u{i}", region="220100", roles=["province"]) for i in range(5)]
    for t in tokens:
        verifier.verify(t)
    assert len(verifier._verified) == 3
    forged = tokens[-1][:-2] + ("AA" if not tokens[-1].endswith("AA") else "BB")
    assert refused(verifier, forged).code == "token_invalid"


def test_wrong_secret() -> None:
    token = issue_token("another-secret-0123456789abcdef012345", sub="x", region="220100", roles=["province"])
    assert refused(TokenVerifier(secret=SECRET), token).code == "token_invalid"


def test_unsigned() -> None:
    exp = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    token = jwt.encode({"sub": "x", "region": "220100", "roles": ["province"], "exp": exp}, None, algorithm="none")
    assert refused(TokenVerifier(secret=SECRET), token).code == "token_invalid"


def test_garbage() -> None:
    assert refused(TokenVerifier(secret=SECRET), "not.a.jwt").code == "token_invalid"


@pytest.mark.parametrize(
    "claims",
    [{"region": "999999", "roles": ["province"]}, {"roles": ["province"]}, {"region": "220100", "roles": "province"}],
)
def test_bad_claims(claims: dict[str, object]) -> None:
    exp = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    token = jwt.encode({"sub": "x", "exp": exp, **claims}, SECRET, algorithm="HS256")
    assert refused(TokenVerifier(secret=SECRET), token).code == "token_invalid"


def test_rs256_with_public_key() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    verifier = TokenVerifier(secret=SECRET, public_key=public_pem)
    good = issue_token(private_pem.decode(), sub="p", region="220000", roles=["province"], algorithm="RS256")
    assert verifier.verify(good).region == "220000"
    # an HS256 token signed with the public key text must not pass (algorithm confusion)
    hs = issue_token(SECRET, sub="p", region="220000", roles=["province"])
    assert refused(verifier, hs).code == "token_invalid"


def test_region_scope() -> None:
    city = Principal("a", "220100", frozenset({"social_insurance"}))
    province = Principal("p", "220000", frozenset({"province"}))
    assert city.can_read("220100") and not city.can_read("220200")
    assert province.can_read("220200")
    with pytest.raises(Problem) as info:
        city.ensure_readable("220200", "unit", "X")
    assert info.value.status == 404
    with pytest.raises(Problem) as info:
        province.ensure_writable("220100")
    assert info.value.status == 403

"""Tokens: HS256 by default, RS256 when a public key is configured; every failure a 401 with its own code."""

import datetime as dt
import http.server
import json
import threading
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
    problem = refused(TokenVerifier(secret=SECRET), token)
    assert problem.code == "token_invalid" and "signature does not match" in problem.detail


def test_unsigned() -> None:
    exp = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    token = jwt.encode({"sub": "x", "region": "220100", "roles": ["province"], "exp": exp}, None, algorithm="none")
    assert refused(TokenVerifier(secret=SECRET), token).code == "token_invalid"


@pytest.mark.parametrize("garbage", ["not.a.jwt", "eyJhbGciOi", "Bearer x", "a.b"])
def test_garbage(garbage: str) -> None:
    """#26 item 3: the reason is said in words a person can act on, not PyJWT's ("Not enough segments")."""
    problem = refused(TokenVerifier(secret=SECRET), garbage)
    assert problem.code == "token_invalid"
    assert "is not a token" in problem.detail and "segments" not in problem.detail.lower()


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


class _Jwks:
    """The identity provider's JWKS endpoint on localhost: serves whatever keys it holds now."""

    def __init__(self) -> None:
        self.keys: dict[str, object] = {}  # kid → public key
        self.fetches = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.fetches += 1
                body = json.dumps(
                    {
                        "keys": [
                            {
                                **json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(k)),
                                "kid": kid,
                                "use": "sig",
                                "alg": "RS256",
                            }
                            for kid, k in owner.keys.items()
                        ]
                    }
                ).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/.well-known/jwks.json"


def _rs256(private, kid: str) -> str:
    claims = {"sub": "officer", "region": "220100", "roles": ["social_insurance"], "exp": int(time.time()) + 600}
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": kid})


def test_keys_rotate_through_the_identity_providers_jwks_without_a_restart() -> None:
    """#24 item 11: RS256 verified with the key the token names (kid) from a JWKS URL, cached; when the provider
    rotates to a new key, tokens signed with it are accepted (the client asks again for a kid it does not know) and
    tokens of the withdrawn key are refused."""
    old, new = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
    jwks = _Jwks()
    jwks.keys = {"k1": old.public_key()}
    try:
        verifier = TokenVerifier(secret="unused", jwks_url=jwks.url, jwks_cooldown_seconds=0)
        assert verifier.verify(_rs256(old, "k1")).sub == "officer"
        assert verifier.verify(_rs256(old, "k1")).region == "220100"  # a second token: the key comes from the cache
        assert jwks.fetches == 1
        jwks.keys = {"k2": new.public_key()}  # rotated: k1 withdrawn
        assert verifier.verify(_rs256(new, "k2")).sub == "officer"
        assert refused(verifier, _rs256(old, "k1x")).code == "token_key_unknown"
        forged = _rs256(old, "k2")  # the new kid, signed with the old key
        assert refused(verifier, forged).code in ("token_invalid", "token_signature_invalid")
    finally:
        jwks.server.shutdown()

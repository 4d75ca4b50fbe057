"""Keys for personal information (PIPL art. 28, 51; 等级保护 level 3): authenticated encryption of values at rest and
a keyed hash of identity numbers for lookups, so equality and joins need no clear value.

* ``Keyring.encrypt`` / ``decrypt``: AES-256-GCM from ``cryptography`` (not hand-rolled), a fresh 96-bit nonce per
  value, the key id inside the value (``v1.<key id>.<base64 nonce+ciphertext>``), so values written under an older
  key stay readable while a rotation re-encrypts them; the newest key encrypts.
* ``Keyring.lookup``: HMAC-SHA256 under a key of its own of the normalised identity number (upper case, no spaces),
  hex. The same person gives the same value in every service that shares the lookup key, and no value reveals the
  number without the key.

Keys come from settings (``<PREFIX>_PII_KEYS``: ``id:base64,id:base64``, the first encrypts; ``<PREFIX>_PII_LOOKUP_KEY``:
base64), or from a file holding the same (``<PREFIX>_PII_KEYS_FILE``: one ``id base64`` per line, first encrypts).
Unset, a development keyring derived from a published phrase is used and the service warns at start, as it does
for the development JWT secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary, Text
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

__all__ = [
    "DEV_KEYRING_PHRASE",
    "Keyring",
    "KeyringError",
    "Sealed",
    "SealedBytes",
    "install",
    "installed",
    "keyring_from",
    "normalise_id_number",
    "person_key",
    "person_keys",
]

DEV_KEYRING_PHRASE = "dev-only-pii-keys-change-me"
_PREFIX = "v1"


class KeyringError(ValueError):
    pass


def normalise_id_number(value: str) -> str:
    return "".join(value.split()).upper()


def _dev_key(purpose: str) -> bytes:
    return hashlib.sha256(f"{DEV_KEYRING_PHRASE}:{purpose}".encode()).digest()


class Keyring:
    def __init__(self, keys: dict[str, bytes], current: str, lookup_key: bytes, *, development: bool = False) -> None:
        if current not in keys:
            raise KeyringError(f"the current key {current!r} is not among the keys")
        for key_id, key in keys.items():
            if len(key) != 32:
                raise KeyringError(f"key {key_id!r} is {len(key)} bytes; AES-256 needs 32")
            if not key_id.isalnum():
                raise KeyringError(f"key id {key_id!r}: letters and digits only")
        if len(lookup_key) < 32:
            raise KeyringError("the lookup key needs at least 32 bytes")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.current = current
        self._lookup_key = lookup_key
        # keyed once: each lookup copies the keyed state instead of keying HMAC again (115 against 165 ms for
        # 100,000 numbers, a bulk upload's worth; bench/README.md)
        self._keyed = hmac.new(lookup_key, digestmod=hashlib.sha256)
        self.development = development
        self.fingerprint = hashlib.sha256(
            repr((sorted(keys.items()), current, lookup_key)).encode()
        ).hexdigest()  # equal keyrings, equal fingerprints: what install() compares

    @classmethod
    def development_keyring(cls) -> Keyring:
        return cls({"dev1": _dev_key("encrypt")}, "dev1", _dev_key("lookup"), development=True)

    @classmethod
    def from_settings(cls, keys: str | None, keys_file: Path | None, lookup_key: str | None) -> Keyring:
        """The service's keyring from its settings; the development one when none is set."""
        if keys_file is not None:
            lines = [ln.split() for ln in keys_file.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
            pairs = [(parts[0], parts[1]) for parts in lines if len(parts) == 2]
        elif keys:
            pairs = [tuple(item.strip().split(":", 1)) for item in keys.split(",") if item.strip()]  # type: ignore[misc]
        else:
            pairs = []
        if not pairs and lookup_key is None:
            return cls.development_keyring()
        if not pairs or lookup_key is None:
            raise KeyringError("set both the encryption keys (PII_KEYS or PII_KEYS_FILE) and PII_LOOKUP_KEY")
        try:
            decoded = {key_id: base64.b64decode(value, validate=True) for key_id, value in pairs}
            lookup = base64.b64decode(lookup_key, validate=True)
        except ValueError as exc:
            raise KeyringError(f"a key is not base64: {exc}") from None
        return cls(decoded, pairs[0][0], lookup)

    # ---- lookups ---------------------------------------------------------------------------------------------

    def lookup(self, id_number: str) -> str:
        digest = self._keyed.copy()
        digest.update(normalise_id_number(id_number).encode())
        return digest.hexdigest()

    # ---- values at rest --------------------------------------------------------------------------------------

    def encrypt(self, plaintext: bytes, associated: bytes = b"") -> str:
        nonce = os.urandom(12)
        sealed = self._ciphers[self.current].encrypt(nonce, plaintext, associated or None)
        return f"{_PREFIX}.{self.current}.{base64.b64encode(nonce + sealed).decode()}"

    def key_id(self, value: str) -> str:
        _, key_id, _ = self._split(value)
        return key_id

    def decrypt(self, value: str, associated: bytes = b"") -> bytes:
        _, key_id, body = self._split(value)
        return self._open(key_id, base64.b64decode(body), associated)

    def encrypt_bytes(self, plaintext: bytes) -> bytes:
        nonce = os.urandom(12)
        return (
            f"{_PREFIX}.{self.current}.".encode() + nonce + self._ciphers[self.current].encrypt(nonce, plaintext, None)
        )

    def decrypt_bytes(self, value: bytes) -> bytes:
        parts = value.split(b".", 2)
        if len(parts) != 3 or parts[0] != _PREFIX.encode():
            raise KeyringError("not a value this keyring sealed")
        return self._open(parts[1].decode(errors="replace"), parts[2], b"")

    def _open(self, key_id: str, raw: bytes, associated: bytes) -> bytes:
        """``raw`` (nonce, then ciphertext and tag) opened with the key it names."""
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise KeyringError(f"no key {key_id!r} to read this value: was it rotated out before the rotation ended?")
        try:
            return cipher.decrypt(raw[:12], raw[12:], associated or None)
        except Exception:  # cryptography's InvalidTag: altered, or sealed with other associated data
            raise KeyringError("the value does not authenticate under its key (altered or misplaced)") from None

    def sealed_prefix(self) -> str:
        """How every value sealed under the current key begins (a rotation looks for those that do not)."""
        return f"{_PREFIX}.{self.current}."

    @staticmethod
    def _split(value: str) -> tuple[str, str, str]:
        parts = value.split(".", 2)
        if len(parts) != 3 or parts[0] != _PREFIX:
            raise KeyringError("not a value this keyring sealed")
        return parts[0], parts[1], parts[2]


# ---- the process's keyring, for columns stored sealed ------------------------------------------------------------

_installed: Keyring | None = None
_development: Keyring | None = None


def keyring_from(settings: Any) -> Keyring:
    """The keyring a service's settings name (``pii_keys`` / ``pii_keys_file``, ``pii_lookup_key``)."""
    return Keyring.from_settings(
        settings.pii_keys.get_secret_value() if settings.pii_keys else None,
        settings.pii_keys_file,
        settings.pii_lookup_key.get_secret_value() if settings.pii_lookup_key else None,
    )


def install(keyring: Keyring, *, replace: bool = False) -> None:
    """Make ``keyring`` the one sealed columns use in this process. A service runs alone in its process; tests that
    run several in one process give them all the same (development) keys, so a second, different keyring is an
    error rather than values silently sealed under the wrong keys (``replace``: a test that changes keys on
    purpose, as an operator does by restarting with new settings)."""
    global _installed
    if not replace and _installed is not None and _installed.fingerprint != keyring.fingerprint:
        raise KeyringError("another keyring is already installed in this process: one service's keys per process")
    _installed = keyring


def installed() -> Keyring:
    global _development
    if _installed is not None:
        return _installed
    if _development is None:
        _development = Keyring.development_keyring()
    return _development


def person_key(id_number: str) -> str:
    """The keyed hash that names a person wherever the number itself is not needed (the process's keyring)."""
    return installed().lookup(id_number)


def person_keys(id_numbers: Iterable[str]) -> list[str]:
    """``person_key`` of each number, for a bulk upload's column (the keyring looked up once)."""
    return list(map(installed().lookup, id_numbers))


def is_person_key(value: str) -> bool:
    """Whether ``value`` is a keyed hash already (64 hex digits; an identity number has 15 or 18 characters)."""
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def as_person_key(value: str) -> str:
    """The keyed hash of an identity number, or ``value`` itself if it is one already."""
    return value if is_person_key(value) else person_key(value)


class _NotComparable(TypeDecorator.Comparator[Any]):
    """A sealed value differs at every sealing, so ``==``, ``IN``, ``LIKE`` or an order on it in SQL never means
    what it says: asking is a programming error, raised when the statement is built (a test finds it), rather than
    a lookup that silently matches nothing. Only NULL tests are meaningful."""

    _ALLOWED = frozenset({operators.is_, operators.is_not})

    def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
        if op not in self._ALLOWED:
            raise TypeError(f"a sealed column cannot be compared or ordered in SQL ({op.__name__}): use its keyed hash")
        return super().operate(op, *other, **kwargs)

    def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
        raise TypeError(f"a sealed column cannot be compared or ordered in SQL ({op.__name__}): use its keyed hash")


class Sealed(TypeDecorator[str]):
    """Text stored encrypted (AES-256-GCM, the key named in the value): the code reads and writes the clear value.
    It cannot be compared in SQL (each sealing differs; :class:`_NotComparable` refuses): look up by a keyed hash."""

    impl = Text
    cache_ok = True
    comparator_factory = _NotComparable

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else installed().encrypt(value.encode())

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else installed().decrypt(value).decode()


class SealedBytes(TypeDecorator[bytes]):
    """Bytes stored encrypted, as :class:`Sealed` (a document's content)."""

    impl = LargeBinary
    cache_ok = True
    comparator_factory = _NotComparable

    def process_bind_param(self, value: bytes | None, dialect: Any) -> bytes | None:
        return None if value is None else installed().encrypt_bytes(bytes(value))

    def process_result_value(self, value: bytes | None, dialect: Any) -> bytes | None:
        return None if value is None else installed().decrypt_bytes(bytes(value))

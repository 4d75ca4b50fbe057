"""Keys for personal information (#25 item 1's primitives; pii.py): AES-256-GCM values that name their key, a keyed
hash for lookups. Property-based where a property is the point."""

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insurance_shared.pii import Keyring, KeyringError, normalise_id_number

K1, K2, LOOKUP = bytes(range(32)), bytes(range(1, 33)), bytes(range(2, 34))


def ring(*ids: str) -> Keyring:
    keys = {"k1": K1, "k2": K2}
    return Keyring({i: keys[i] for i in ids}, ids[0], LOOKUP)


@given(st.binary(max_size=2000), st.binary(max_size=40))
def test_a_value_reads_back_and_names_its_key(plain, associated) -> None:
    sealed = ring("k1").encrypt(plain, associated)
    assert ring("k1").key_id(sealed) == "k1"
    assert ring("k1").decrypt(sealed, associated) == plain


def test_the_same_value_never_seals_the_same_way() -> None:
    # a fresh nonce each time: equal values are not visible as equal at rest (lookups use the keyed hash instead)
    assert ring("k1").encrypt(b"220102199001011234") != ring("k1").encrypt(b"220102199001011234")


def test_after_a_new_key_the_old_values_stay_readable_and_new_ones_use_it() -> None:
    old = ring("k1").encrypt(b"x")
    rotated = ring("k2", "k1")  # k2 now encrypts; k1 kept until the rotation reports done
    assert rotated.decrypt(old) == b"x" and rotated.key_id(rotated.encrypt(b"x")) == "k2"
    with pytest.raises(KeyringError, match="no key 'k1'"):
        ring("k2").decrypt(old)  # k1 dropped too early: the value says which key is missing


def test_an_altered_or_misplaced_value_does_not_authenticate() -> None:
    k = ring("k1")
    sealed = k.encrypt(b"6222021234567890123", b"claim:17")
    raw = bytearray(base64.b64decode(sealed.split(".", 2)[2]))
    raw[-1] ^= 1
    altered = sealed.rsplit(".", 1)[0] + "." + base64.b64encode(bytes(raw)).decode()
    for value, associated in ((altered, b"claim:17"), (sealed, b"claim:18")):
        with pytest.raises(KeyringError, match="does not authenticate"):
            k.decrypt(value, associated)
    with pytest.raises(KeyringError, match="not a value"):
        k.decrypt("220102199001011234")


def test_the_lookup_is_hmac_sha256_of_the_normalised_number_and_never_changes() -> None:
    """Every stored key and every event's ``person`` depends on this value: a change of how it is computed would
    lose every person's history. A fixed vector: HMAC-SHA256 (RFC 2104) in hex, computed once with hmac.new."""
    k = Keyring({"k1": K1}, "k1", bytes(range(32)))
    expected = "a3f5868c852879915ea160643e704620adf9b6b75b4c68401b1880c0e3844923"
    assert k.lookup("22010219900101123X") == k.lookup(" 22010219900101123x") == expected
    assert k.lookup("22010219900101123X") == expected  # the keyed state is copied, never consumed


@given(st.from_regex(r"[0-9]{17}[0-9Xx]", fullmatch=True))
def test_the_lookup_is_the_same_for_the_same_person_and_reveals_nothing_without_the_key(id_number) -> None:
    k = ring("k1")
    assert k.lookup(id_number) == k.lookup(f" {id_number.lower()} ") == k.lookup(normalise_id_number(id_number))
    assert id_number not in k.lookup(id_number) and len(k.lookup(id_number)) == 64
    other = Keyring({"k1": K1}, "k1", bytes(range(3, 35)))
    assert other.lookup(id_number) != k.lookup(id_number)  # another lookup key, another hash


def test_keys_from_settings() -> None:
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    k = Keyring.from_settings(f"k2:{b64(K2)},k1:{b64(K1)}", None, b64(LOOKUP))
    assert (k.current, k.development) == ("k2", False)
    assert Keyring.from_settings(None, None, None).development is True
    for keys, lookup, message in (
        (f"k1:{b64(K1)}", None, "set both"),
        (f"k1:{b64(K1[:16])}", b64(LOOKUP), "32"),
        ("k1:not base64!", b64(LOOKUP), "not base64"),
        (f"k-1:{b64(K1)}", b64(LOOKUP), "letters and digits"),
    ):
        with pytest.raises(KeyringError, match=message):
            Keyring.from_settings(keys, None, lookup)


def test_keys_from_a_file(tmp_path) -> None:
    f = tmp_path / "keys"
    f.write_text(f"# newest first\nk2 {base64.b64encode(K2).decode()}\nk1 {base64.b64encode(K1).decode()}\n")
    k = Keyring.from_settings(None, f, base64.b64encode(LOOKUP).decode())
    assert k.current == "k2" and k.decrypt(ring("k1").encrypt(b"v")) == b"v"

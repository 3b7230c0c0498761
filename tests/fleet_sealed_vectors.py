#!/usr/bin/env python3
"""Known-answer vectors for the fleet's sealed format (src/fleet/crypto.rs, entry.rs),
made with Python's hashlib and the `cryptography` package (an implementation
independent of the crate's RustCrypto one). Needs cryptography (pinned in .ci/run).

The format, version 1, as docs/fleet.md describes it:
  namespace = hex(SHA-256(len_be64(url) url len_be64(id) id len_be64(scope) scope
              has_scope_byte))[:32]
  key       = HKDF-SHA256(salt="flowpayroll fleet cache v1", ikm=client secret,
              info=namespace, 32 bytes)
  sealed    = 0x01 || nonce(12) || AES-256-GCM(key, nonce, plaintext,
              aad="flowpayroll/<namespace>/<kind>")  (ciphertext then 16-byte tag)
  plaintext = the entry's JSON, members in this order, no spaces.

Run: python3 tests/fleet_sealed_vectors.py          prints the vectors, one per line
     python3 tests/fleet_sealed_vectors.py FILE     also checks that FILE (the Rust test)
                                                    holds each printed hex value
"""
import hashlib
import json
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = 1
NONCE = bytes(range(12))


def namespace(token_url, client_id, scope):
    digest = hashlib.sha256()
    for part in (token_url, client_id, scope or ""):
        data = part.encode("utf-8")
        digest.update(struct.pack(">Q", len(data)))
        digest.update(data)
    digest.update(bytes([1 if scope is not None else 0]))
    return digest.hexdigest()[:32]


def key(secret, ns):
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"flowpayroll fleet cache v1",
        info=ns.encode("ascii"),
    )
    return hkdf.derive(secret.encode("utf-8"))


def seal(secret, ns, kind, plaintext):
    aad = f"flowpayroll/{ns}/{kind}".encode("ascii")
    return bytes([VERSION]) + NONCE + AESGCM(key(secret, ns)).encrypt(NONCE, plaintext, aad)


def entry_json(members):
    return json.dumps(members, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# (secret, token URL, client id, scope, kind, entry members in the crate's order)
VECTORS = [
    (
        "fleet-secret-1",
        "https://api.flowpayroll.example/oauth2/token",
        "client-1",
        None,
        "token",
        {
            "token": "eyJhbGciOiJub25lIn0.eyJqdGkiOiJqLTEifQ.c2ln",
            "id_kind": "jti",
            "id": "j-1",
            "refresh_at_ms": 1800003240000,
            "expires_at_ms": 1800003600000,
        },
    ),
    (
        "s\u00e9cret with spaces",
        "http://127.0.0.1:8080/oauth2/token",
        "client-2",
        "payroll/read",
        "cooldown",
        {"until_ms": 1800000000500, "reason": "token endpoint said 503"},
    ),
]


def main():
    lines = []
    for secret, url, client_id, scope, kind, members in VECTORS:
        ns = namespace(url, client_id, scope)
        plaintext = entry_json(members)
        lines.append(
            f"{kind} namespace={ns} key={key(secret, ns).hex()} "
            f"sealed={seal(secret, ns, kind, plaintext).hex()}"
        )
    print("\n".join(lines))
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as rust:
            source = "".join(rust.read().split())
        missing = [
            value
            for line in lines
            for value in (field.split("=", 1)[1] for field in line.split()[1:])
            if value not in source
        ]
        if missing:
            sys.exit(f"{sys.argv[1]} lacks these vector values: {missing}")
        print(f"every value is in {sys.argv[1]}")


if __name__ == "__main__":
    main()

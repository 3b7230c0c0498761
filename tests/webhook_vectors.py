#!/usr/bin/env python3
"""Known-answer vectors for tests/webhook.rs, made with Python's own hmac and hashlib
(an implementation independent of the crate's). Run: python3 tests/webhook_vectors.py
Prints one line per vector: secret, body (as a Python literal), hex signature."""
import hashlib
import hmac

VECTORS = [
    ("ffffffff-ffffffff-ffffffff-ffffffff", b'{"added":[],"removed":[],"updated":[]}'),
    ("sandbox-secret", b'{"added":[{"employee_number":"57993","first_name":"Daija"}],"removed":[],"updated":[]}'),
    ("k", b""),
    ("\u00e9t\u00e9-secret", "{\"note\": \"caf\u00e9\"}\n".encode("utf-8")),
]

for secret, body in VECTORS:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    print(f"{secret!r} {body!r} {digest}")

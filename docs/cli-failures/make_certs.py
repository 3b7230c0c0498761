#!/usr/bin/env python3
"""Writes the certificates of capture.sh into DIR: a CA (ca.pem), a leaf for 127.0.0.1
signed by it and valid now (good.*), one that expired in 2021 (expired.*), one for
another host name (wronghost.*), and a self-signed leaf (selfsigned.*)."""
import datetime
import ipaddress
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

out = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def write(stem, cert, key):
    with open(f"{out}/{stem}.pem", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(f"{out}/{stem}.key", "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))


ca_key = ec.generate_private_key(ec.SECP256R1())
ca = (x509.CertificateBuilder().subject_name(name("capture CA")).issuer_name(name("capture CA"))
      .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
      .not_valid_before(now - datetime.timedelta(days=3650))
      .not_valid_after(now + datetime.timedelta(days=3650))
      .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
      .sign(ca_key, hashes.SHA256()))
write("ca", ca, ca_key)


def leaf(stem, san, before, after, issuer=None):
    key = ec.generate_private_key(ec.SECP256R1())
    signer_key, signer_name = (ca_key, ca.subject) if issuer is None else (key, name(stem))
    cert = (x509.CertificateBuilder().subject_name(name(stem)).issuer_name(signer_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(before).not_valid_after(after)
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .sign(signer_key, hashes.SHA256()))
    write(stem, cert, key)


loopback = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
day = datetime.timedelta(days=1)
leaf("good", loopback, now - day, now + 30 * day)
leaf("expired", loopback, datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),
     datetime.datetime(2021, 1, 1, tzinfo=datetime.timezone.utc))
leaf("wronghost", [x509.DNSName("auth.example.com")], now - day, now + 30 * day)
leaf("selfsigned", loopback, now - day, now + 30 * day, issuer="self")

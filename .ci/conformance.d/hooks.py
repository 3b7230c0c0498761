"""Schemathesis hooks for `.ci/conformance`: authenticate against the sandbox the way a
client does, and keep the sandbox usable while the tester changes it.

* Every authenticated call gets a fresh `X-Auth-Token` minted from the sandbox's token
  endpoint with the credentials `flowpayroll sandbox serve` printed (no caching: the
  tester calls `disconnect_token`, which kills the token it sends).
* A schema-valid `exchange_authorization_code` gets the sandbox's client id and secret,
  one of its redirect URIs and a code the sandbox issued for it (`POST
  /__sandbox/authorize`), none of which random data can guess: the sandbox then
  exchanges it, so the 201 answer is checked too (a code it never issued is a 400). Invalid cases are sent
  as generated. A schema-valid `request_token` likewise gets the real credentials, and no
  `scope` (a random one is refused with the documented `invalid_scope`).
* A successful `update_client` replaces the client's secrets with generated ones; the
  sandbox is then reset (`POST /__sandbox/reset`) so that the next mint works.
"""

import json
import os
import urllib.parse
import urllib.request

import schemathesis

TOKEN_URL = os.environ["FLOWPAYROLL_TOKEN_URL"]
API_URL = os.environ["FLOWPAYROLL_API_URL"]
CLIENT_ID = os.environ["FLOWPAYROLL_CLIENT_ID"]
CLIENT_SECRET = os.environ["FLOWPAYROLL_CLIENT_SECRET"]


def _post(url, data, content_type):
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


@schemathesis.auth(refresh_interval=None).skip_for(operation_id="request_token")
class SandboxToken:
    def get(self, case, ctx):
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            }
        ).encode()
        body = _post(TOKEN_URL, form, "application/x-www-form-urlencoded")
        return json.loads(body)["access_token"]

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["X-Auth-Token"] = data


# The first redirect URI of the sandbox's client (the spec's `get_client` example).
REDIRECT_URI = "https://app.your-company.com"


def _operation_id(case):
    return case.operation.definition.raw.get("operationId")


@schemathesis.hook
def before_call(context, case, kwargs):
    meta = case.meta
    positive = meta is not None and meta.generation.mode.is_positive
    if not positive or not isinstance(case.body, dict):
        return
    operation = _operation_id(case)
    if operation == "exchange_authorization_code":
        case.body["client_id"] = CLIENT_ID
        case.body["client_secret"] = CLIENT_SECRET
        case.body["redirect_uri"] = REDIRECT_URI
        issued = _post(
            urllib.parse.urljoin(API_URL, "/__sandbox/authorize"),
            json.dumps({"redirect_uri": REDIRECT_URI}).encode(),
            "application/json",
        )
        case.body["code"] = json.loads(issued)["code"]
    elif operation == "request_token":
        case.body["client_id"] = CLIENT_ID
        case.body["client_secret"] = CLIENT_SECRET
        case.body.pop("scope", None)


@schemathesis.hook
def after_call(context, case, response):
    if _operation_id(case) == "update_client" and response.status_code == 200:
        _post(urllib.parse.urljoin(API_URL, "/__sandbox/reset"), b"", "application/json")

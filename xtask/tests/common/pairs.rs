//! Small OpenAPI documents for the `drift` tests, and the assertion of one difference.

use super::{differences, drift_pair};

/// A document with one operation, `POST /things/{id}`: its request body schema `request`,
/// its 200 response schema `response` (both JSON, inline), and `extra` appended to the
/// operation (parameters, security, more responses: YAML at the operation's indentation).
pub fn doc(request: &str, response: &str, extra: &str) -> String {
    format!(
        "openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /things/{{id}}:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {request}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {response}
{extra}"
    )
}

pub const REQ: &str = "/paths/~1things~1{id}/post/requestBody/content/application~1json/schema";
pub const RESP: &str = "/paths/~1things~1{id}/post/responses/200/content/application~1json/schema";
pub const OP: &str = "/paths/~1things~1{id}/post";

/// Compares `spec` with `upstream` and asserts the one difference found:
/// (kind, level, spec pointer, upstream pointer).
pub fn one(name: &str, spec: &str, upstream: &str, expected: (&str, &str, &str, &str)) {
    let (code, output) = drift_pair(name, spec, upstream, &[]);
    let (kind, level, sp, up) = expected;
    let wanted = vec![(kind.into(), level.into(), sp.into(), up.into())];
    assert_eq!(differences(&output), wanted, "{name}: {output:#}");
    assert_eq!(code, 1, "{name}: an undecided difference fails");
}

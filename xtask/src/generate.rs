//! `cargo xtask generate-spec N`: a valid OpenAPI 3.0.3 document with `N` examples
//! (operations of ten named list examples each), for benchmarks and tests.

/// The document, as YAML.
pub fn spec(examples: usize) -> String {
    let operations = examples.div_ceil(10);
    let mut spec =
        String::from("openapi: 3.0.3\ninfo:\n  title: Generated\n  version: \"1\"\npaths:\n");
    for operation in 0..operations {
        spec.push_str(&format!(
            "  /items/{operation}/{{id}}:\n    get:\n      operationId: list_items_{operation}\n      parameters:\n        - name: id\n          in: path\n          required: true\n          schema:\n            type: string\n      responses:\n        '200':\n          description: Items.\n          content:\n            application/json; charset=utf-8:\n              schema:\n                type: array\n                items:\n                  $ref: '#/components/schemas/Item'\n              examples:\n"
        ));
        let count = (examples - operation * 10).min(10);
        for example in 0..count {
            spec.push_str(&format!(
                "                e{example}:\n                  value:\n                    - id: {operation}-{example}\n                      kind: small\n                      count: {example}\n                      created_at: '2024-01-0{}T10:00:00Z'\n                      tags: [a, b]\n",
                example % 9 + 1
            ));
        }
    }
    spec.push_str("components:\n  schemas:\n    Item:\n      type: object\n      required: [id, kind, count]\n      properties:\n        id:\n          type: string\n        kind:\n          type: string\n          enum: [small, large]\n        count:\n          type: integer\n          format: int32\n        created_at:\n          type: string\n          format: date-time\n        tags:\n          type: array\n          items:\n            type: string\n");
    spec
}

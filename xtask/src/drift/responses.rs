//! Comparing the responses of two operations (statuses, headers) and the media types of
//! a request body or response; a `content` that is a `$ref` (which OpenAPI 3.0 does not
//! allow) is followed with the same warning `validate` gives.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::compare::{empty, Diff, Doc, Operation};
use super::model::{Kind, Level, Side};
use crate::validate::pointer::escape;
use crate::validate::walk::content_ref_message;

impl<'a> Diff<'a> {
    pub(super) fn responses(&mut self, spec: &Operation<'a>, upstream: &Operation<'a>) {
        let empty = empty();
        let statuses = |op: &Operation<'a>| op.value.get("responses").and_then(Value::as_object);
        let (ours, theirs) = (
            statuses(spec).unwrap_or(empty),
            statuses(upstream).unwrap_or(empty),
        );
        for (status, response) in theirs {
            let sp = format!("{}/responses/{}", spec.pointer, escape(status));
            let up = format!("{}/responses/{}", upstream.pointer, escape(status));
            let (up, theirs) = self.resolve(Doc::Upstream, &up, response);
            let Some(ours) = ours.get(status) else {
                self.add(
                    Kind::StatusAdded,
                    Level::Attention,
                    Side::Response,
                    sp,
                    up,
                    format!("upstream documents status {status}; the spec does not"),
                );
                continue;
            };
            let (sp, ours) = self.resolve(Doc::Spec, &sp, ours);
            self.headers(&sp, ours, &up, theirs);
            self.content(&sp, ours, &up, theirs, Side::Response);
        }
        for status in ours.keys().filter(|s| !theirs.contains_key(*s)) {
            let sp = format!("{}/responses/{}", spec.pointer, escape(status));
            let up = format!("{}/responses/{}", upstream.pointer, escape(status));
            self.add(
                Kind::StatusMissing,
                Level::Information,
                Side::Response,
                sp,
                up,
                format!("the spec documents status {status}; upstream does not"),
            );
        }
    }

    fn headers(&mut self, sp: &str, ours: &'a Value, up: &str, theirs: &'a Value) {
        let empty = empty();
        let map = |r: &'a Value| r.get("headers").and_then(Value::as_object);
        let (ours, theirs) = (map(ours).unwrap_or(empty), map(theirs).unwrap_or(empty));
        let lower = |m: &'a Map<String, Value>| -> BTreeMap<String, (&'a String, &'a Value)> {
            m.iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), (k, v)))
                .collect()
        };
        let (ours, theirs) = (lower(ours), lower(theirs));
        for (key, (name, header)) in &theirs {
            let (hu, header) = self.resolve(
                Doc::Upstream,
                &format!("{up}/headers/{}", escape(name)),
                header,
            );
            match ours.get(key) {
                None => self.add(
                    Kind::HeaderAdded,
                    Level::Information,
                    Side::Response,
                    format!("{sp}/headers/{}", escape(name)),
                    hu,
                    format!("upstream documents response header `{name}`; the spec does not"),
                ),
                Some((our_name, our_header)) => {
                    let (hs, our_header) = self.resolve(
                        Doc::Spec,
                        &format!("{sp}/headers/{}", escape(our_name)),
                        our_header,
                    );
                    if let (Some(a), Some(b)) = (our_header.get("schema"), header.get("schema")) {
                        self.schema(
                            &format!("{hs}/schema"),
                            a,
                            &format!("{hu}/schema"),
                            b,
                            Side::Response,
                        );
                    }
                }
            }
        }
        for (key, (name, header)) in &ours {
            if !theirs.contains_key(key) {
                let (hs, _) =
                    self.resolve(Doc::Spec, &format!("{sp}/headers/{}", escape(name)), header);
                self.add(
                    Kind::HeaderMissing,
                    Level::Attention,
                    Side::Response,
                    hs,
                    format!("{up}/headers/{}", escape(name)),
                    format!(
                        "the spec reads response header `{name}`; upstream does not document it"
                    ),
                );
            }
        }
    }

    /// The media types of a request body or response (a `content` that is a `$ref`,
    /// which OpenAPI 3.0 does not allow, is followed with a warning).
    pub(super) fn content(
        &mut self,
        sp: &str,
        ours: &'a Value,
        up: &str,
        theirs: &'a Value,
        side: Side,
    ) {
        let Some((sp, ours)) = self.content_map(Doc::Spec, sp, ours) else {
            return;
        };
        let Some((up, theirs)) = self.content_map(Doc::Upstream, up, theirs) else {
            return;
        };
        for (media, media_type) in theirs {
            let mu = format!("{up}/{}", escape(media));
            let ms = format!("{sp}/{}", escape(media));
            match ours.get(media) {
                None => {
                    let level = if side == Side::Request {
                        Level::Information
                    } else {
                        Level::Attention
                    };
                    self.add(
                        Kind::MediaTypeAdded,
                        level,
                        side,
                        ms,
                        mu,
                        format!(
                            "upstream has {} media type `{media}`; the spec does not",
                            side.as_str()
                        ),
                    );
                }
                Some(our_media) => {
                    if let (Some(a), Some(b)) = (our_media.get("schema"), media_type.get("schema"))
                    {
                        self.schema(&format!("{ms}/schema"), a, &format!("{mu}/schema"), b, side);
                    }
                }
            }
        }
        for media in ours.keys().filter(|m| !theirs.contains_key(*m)) {
            let level = if side == Side::Request {
                Level::Breaking
            } else {
                Level::Information
            };
            self.add(
                Kind::MediaTypeMissing,
                level,
                side,
                format!("{sp}/{}", escape(media)),
                format!("{up}/{}", escape(media)),
                format!(
                    "the spec has {} media type `{media}`; upstream does not",
                    side.as_str()
                ),
            );
        }
    }

    fn content_map(
        &mut self,
        doc: Doc,
        owner: &str,
        holder: &'a Value,
    ) -> Option<(String, &'a Map<String, Value>)> {
        let pointer = format!("{owner}/content");
        let content = holder.get("content")?;
        if let Some(reference) = content.get("$ref").and_then(Value::as_str) {
            self.warn(
                doc,
                &format!("{pointer}/$ref"),
                format!("[ref-not-allowed] {}", content_ref_message(reference)),
            );
        }
        let (pointer, content) = self.resolve(doc, &pointer, content);
        Some((pointer, content.as_object()?))
    }
}

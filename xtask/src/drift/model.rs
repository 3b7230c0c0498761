//! What `drift` reports: a difference between the hand spec and the upstream document,
//! its kind, its level for a client, both pointers, and its stable fingerprint.

use std::collections::BTreeSet;
use std::fmt;

/// How much a difference matters to a client built from the hand spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// A request the client sends may be refused, or a response may not decode.
    Breaking,
    /// Worth a look: the client sends or expects something upstream does not document.
    Attention,
    /// Upstream documents more than the client uses; nothing the client does changes.
    Information,
}

impl Level {
    /// `breaking`, `attention` or `information`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Breaking => "breaking",
            Level::Attention => "attention",
            Level::Information => "information",
        }
    }
}

/// Which side of a call a difference is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// What the client sends.
    Request,
    /// What the client receives.
    Response,
}

impl Side {
    /// `request` or `response`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Request => "request",
            Side::Response => "response",
        }
    }
}

/// The kinds of difference, each a stable id. "Upstream" is the vendor's document, "spec"
/// the hand-maintained one; each kind says what upstream has compared with the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A spec operation (under a mapped prefix) that upstream does not have.
    OperationMissing,
    /// A parameter (or request header) upstream has and the spec does not.
    ParameterAdded,
    /// A parameter the spec sends and upstream does not document.
    ParameterMissing,
    /// A parameter or request body that upstream requires and the spec does not.
    NowRequired,
    /// A parameter or request body the spec requires and upstream does not.
    NowOptional,
    /// A request body upstream has and the spec does not send.
    BodyAdded,
    /// A request body the spec sends and upstream does not document.
    BodyMissing,
    /// A media type upstream has and the spec does not.
    MediaTypeAdded,
    /// A media type the spec has and upstream does not.
    MediaTypeMissing,
    /// A response status upstream documents and the spec does not.
    StatusAdded,
    /// A response status the spec documents and upstream does not.
    StatusMissing,
    /// A response header upstream documents and the spec does not.
    HeaderAdded,
    /// A response header the spec reads and upstream does not document.
    HeaderMissing,
    /// The credentials an operation takes differ.
    SecurityChanged,
    /// `type` differs.
    TypeChanged,
    /// `format` differs.
    FormatChanged,
    /// Upstream lists values the spec's enum does not.
    EnumWidened,
    /// The spec lists values upstream's enum does not (or upstream has an enum, the spec none).
    EnumNarrowed,
    /// A constraint (minimum, maxLength, pattern, …) is stricter upstream.
    ConstraintTightened,
    /// A constraint is looser upstream (or absent there).
    ConstraintLoosened,
    /// A property upstream has and the spec does not.
    PropertyAdded,
    /// A property the spec has and upstream does not.
    PropertyMissing,
    /// A property upstream requires and the spec does not.
    PropertyNowRequired,
    /// A property the spec requires and upstream does not.
    PropertyNowOptional,
    /// Upstream allows `null` where the spec does not.
    NullableAdded,
    /// The spec allows `null` where upstream does not.
    NullableRemoved,
    /// `allOf` / `oneOf` / `anyOf` are used differently.
    CompositionChanged,
}

impl Kind {
    /// The stable id printed in every format.
    pub fn id(self) -> &'static str {
        match self {
            Kind::OperationMissing => "operation-missing-upstream",
            Kind::ParameterAdded => "parameter-added",
            Kind::ParameterMissing => "parameter-missing-upstream",
            Kind::NowRequired => "now-required",
            Kind::NowOptional => "now-optional",
            Kind::BodyAdded => "request-body-added",
            Kind::BodyMissing => "request-body-missing-upstream",
            Kind::MediaTypeAdded => "media-type-added",
            Kind::MediaTypeMissing => "media-type-missing-upstream",
            Kind::StatusAdded => "status-added",
            Kind::StatusMissing => "status-missing-upstream",
            Kind::HeaderAdded => "header-added",
            Kind::HeaderMissing => "header-missing-upstream",
            Kind::SecurityChanged => "security-changed",
            Kind::TypeChanged => "type-changed",
            Kind::FormatChanged => "format-changed",
            Kind::EnumWidened => "enum-widened",
            Kind::EnumNarrowed => "enum-narrowed",
            Kind::ConstraintTightened => "constraint-tightened",
            Kind::ConstraintLoosened => "constraint-loosened",
            Kind::PropertyAdded => "property-added",
            Kind::PropertyMissing => "property-missing-upstream",
            Kind::PropertyNowRequired => "property-now-required",
            Kind::PropertyNowOptional => "property-now-optional",
            Kind::NullableAdded => "nullable-added",
            Kind::NullableRemoved => "nullable-removed",
            Kind::CompositionChanged => "composition-changed",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One difference, reported once however many operations reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What differs.
    pub kind: Kind,
    /// How much it matters.
    pub level: Level,
    /// Request or response side.
    pub side: Side,
    /// Where in the hand spec (where it would be, when the spec lacks it).
    pub spec: String,
    /// Where in the upstream document (where it would be, when upstream lacks it).
    pub upstream: String,
    /// What differs, for a person.
    pub message: String,
    /// The spec's operations that reach it (`METHOD /path`).
    pub operations: BTreeSet<String>,
    /// The decision that acknowledges it, if one does (where it is in the spec).
    pub decision: Option<String>,
    /// The line of `spec` in the hand spec.
    pub line: usize,
}

impl Finding {
    /// A stable id: the same difference gets the same fingerprint from run to run,
    /// whatever its line, level wording or message (FNV-1a 64 of kind and pointers).
    pub fn fingerprint(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in [self.kind.id(), self.spec.as_str(), self.upstream.as_str()]
            .join("\n")
            .bytes()
        {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(spec: &str, message: &str, line: usize) -> Finding {
        Finding {
            kind: Kind::TypeChanged,
            level: Level::Breaking,
            side: Side::Response,
            spec: spec.into(),
            upstream: "/components/schemas/A/type".into(),
            message: message.into(),
            operations: BTreeSet::new(),
            decision: None,
            line,
        }
    }

    #[test]
    fn fingerprints_depend_on_kind_and_pointers_only() {
        let a = finding("/components/schemas/A", "one wording", 3);
        let b = finding("/components/schemas/A", "another", 90);
        let c = finding("/components/schemas/B", "one wording", 3);
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
        assert_eq!(a.fingerprint().len(), 16);
    }
}

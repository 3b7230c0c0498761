//! The lifetime rule (module docs of `auth::token`) as a property with exact expected
//! values. The generator is weighted toward the edges the rule has: `expires_in` of 0, 1,
//! a day and a day ± 1 s, negative ones; `exp` at `now` ± a few seconds, `now` + a day ± 1 s,
//! half seconds, and far past and far future claims. A companion test shows that every
//! branch of the rule is reached within the default number of cases.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::strategy::ValueTree as _;
use proptest::test_runner::TestRunner;

use super::*;

const DAY: i64 = 86_400;

/// One token response: the instant of the request, `expires_in` if any, the `exp`
/// claim as JSON text if any.
#[derive(Debug, Clone)]
struct Case {
    now_s: u64,
    expires_in: Option<i64>,
    exp: Option<Exp>,
}

#[derive(Debug, Clone)]
enum Exp {
    /// `now_s + delta` seconds, as an integer (negative when the sum is).
    Integer(i64),
    /// `now_s + delta + 0.5` seconds, written as a decimal with one fractional digit.
    HalfSecond(i64),
    /// Not a number: a string, `null`, a boolean.
    Junk(&'static str),
}

/// Seconds from `now`, weighted toward each edge of the rule.
fn delta() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => -3i64..=3,
        3 => (DAY - 1)..=(DAY + 1),
        1 => prop_oneof![Just(299), Just(300), Just(301)],
        1 => prop_oneof![Just(i64::MIN / 2), Just(i64::MAX / 2), Just(-DAY)],
        1 => any::<i64>().prop_map(|n| n / 4),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let now_s = prop_oneof![
        1 => Just(0u64),
        1 => Just(1u64),
        4 => Just(1_800_000_000u64),
        2 => 0u64..=4_102_444_800,
    ];
    let expires_in = prop_oneof![
        3 => Just(None),
        1 => prop_oneof![Just(0i64), Just(1), Just(DAY - 1), Just(DAY), Just(DAY + 1)].prop_map(Some),
        1 => prop_oneof![-3i64..=-1, Just(i64::MIN), Just(i64::MAX), 2i64..DAY].prop_map(Some),
    ];
    let exp = prop_oneof![
        1 => Just(None),
        4 => delta().prop_map(|d| Some(Exp::Integer(d))),
        2 => delta().prop_map(|d| Some(Exp::HalfSecond(d))),
        1 => prop_oneof![Just("\"soon\""), Just("null"), Just("true")].prop_map(|j| Some(Exp::Junk(j))),
    ];
    (now_s, expires_in, exp).prop_map(|(now_s, expires_in, exp)| Case {
        now_s,
        expires_in,
        exp,
    })
}

/// The branch of the rule a case is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Branch {
    ExpiresInRefused,
    ExpiresInKept,
    ExpiresInCapped,
    ExpKept,
    ExpCapped,
    ExpPastOrNow,
    ExpNotANumber,
    NoClaimDefault,
}

/// The rule, written from the module docs: the expected outcome (lifetime in
/// milliseconds, or a refusal) and the branch it comes from.
fn expected(case: &Case) -> (Option<u128>, Branch) {
    let day_ms = 86_400_000u128;
    if let Some(seconds) = case.expires_in {
        return match u128::try_from(seconds) {
            Ok(0) | Err(_) => (None, Branch::ExpiresInRefused),
            Ok(s) if s * 1000 > day_ms => (Some(day_ms), Branch::ExpiresInCapped),
            Ok(s) => (Some(s * 1000), Branch::ExpiresInKept),
        };
    }
    let now_ms = i128::from(case.now_s) * 1000;
    let exp_ms = match case.exp {
        None => return (Some(300_000), Branch::NoClaimDefault),
        Some(Exp::Junk(_)) => return (Some(300_000), Branch::ExpNotANumber),
        Some(Exp::Integer(d)) => (i128::from(case.now_s) + i128::from(d)) * 1000,
        Some(Exp::HalfSecond(d)) => (i128::from(case.now_s) + i128::from(d)) * 1000 + 500,
    };
    match exp_ms - now_ms {
        left if left <= 0 => (Some(300_000), Branch::ExpPastOrNow),
        left if left as u128 > day_ms => (Some(day_ms), Branch::ExpCapped),
        left => (Some(left as u128), Branch::ExpKept),
    }
}

fn response(case: &Case) -> (Vec<u8>, String) {
    let exp = match case.exp {
        None => String::new(),
        Some(Exp::Integer(d)) => format!(r#","exp":{}"#, i128::from(case.now_s) + i128::from(d)),
        Some(Exp::HalfSecond(d)) => {
            // Written digit by digit (`-0.5` for -1 + 0.5), never through a float format.
            let whole = i128::from(case.now_s) + i128::from(d);
            match whole {
                -1 => r#","exp":-0.5"#.to_owned(),
                w if w < -1 => format!(r#","exp":{}.5"#, w + 1),
                w => format!(r#","exp":{w}.5"#),
            }
        }
        Some(Exp::Junk(junk)) => format!(r#","exp":{junk}"#),
    };
    let token = jwt(&format!(r#"{{"jti":"j-1"{exp}}}"#));
    let rest = case
        .expires_in
        .map(|s| format!(r#","expires_in":{s}"#))
        .unwrap_or_default();
    (body(&token, &rest), token)
}

proptest! {
    /// Exists for every branch of the lifetime rule (`Branch`): the lifetime is exactly
    /// the one the rule gives, to the millisecond, and a refusal never quotes the token.
    #[test]
    fn the_lifetime_is_exactly_the_rules(case in case()) {
        let (body, token) = response(&case);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(case.now_s);
        let (lifetime_ms, branch) = expected(&case);
        match (parse_issued(&body, now), lifetime_ms) {
            (Ok(issued), Some(ms)) => prop_assert_eq!(issued.lifetime.as_millis(), ms, "{:?}", branch),
            (Err(reason), None) => {
                prop_assert!(reason.contains("expires_in"), "{}", reason);
                prop_assert!(!reason.contains(&token), "{}", reason);
            }
            (got, want) => prop_assert!(false, "{:?}: got {:?}, want {:?}", branch, got.map(|i| i.lifetime), want),
        }
    }
}

/// Reachability of the property above: over 256 deterministic cases (proptest's
/// default count), every branch occurs, and so do the exact edges 1 s, a day − 1 s,
/// a day, and `exp` one second each side of `now`.
#[test]
fn the_lifetime_generator_reaches_every_branch_and_edge() {
    let mut runner = TestRunner::deterministic();
    let strategy = case();
    let mut branches = BTreeMap::new();
    let mut lifetimes = BTreeMap::new();
    let mut exp_near_now = BTreeMap::new();
    for _ in 0..256 {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        let (ms, branch) = expected(&case);
        *branches.entry(branch).or_insert(0) += 1;
        *lifetimes.entry(ms).or_insert(0) += 1;
        if let (None, Some(Exp::Integer(d @ -1..=1))) = (case.expires_in, &case.exp) {
            *exp_near_now.entry(*d).or_insert(0) += 1;
        }
    }
    use Branch::*;
    for branch in [
        ExpiresInRefused,
        ExpiresInKept,
        ExpiresInCapped,
        ExpKept,
        ExpCapped,
        ExpPastOrNow,
        ExpNotANumber,
        NoClaimDefault,
    ] {
        assert!(
            branches.contains_key(&branch),
            "{branch:?} never reached: {branches:?}"
        );
    }
    for ms in [1_000, 86_399_000, 86_400_000] {
        assert!(lifetimes.contains_key(&Some(ms)), "no lifetime of {ms} ms");
    }
    assert_eq!(exp_near_now.keys().copied().collect::<Vec<_>>(), [-1, 0, 1]);
}

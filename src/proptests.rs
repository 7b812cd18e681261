//! Property tests: parsers and arithmetic that take outside input never
//! panic, and keep their invariants, on arbitrary values.

use proptest::prelude::*;
use std::time::{Duration, SystemTime};

/// Arbitrary JSON, a few levels deep.
fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
        "[a-zA-Z0-9:/._ -]{0,12}".prop_map(serde_json::Value::from),
        // Anything at all: quotes, backslashes, control characters, any
        // script (the report writer must escape as serde_json does).
        any::<String>().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop_oneof![
            Just("kind".to_string()),
            Just("items".to_string()),
            Just("metadata".to_string()),
            Just("spec".to_string()),
            Just("status".to_string()),
            Just("schema".to_string()),
            Just("azure".to_string()),
            Just("cluster".to_string()),
            "[a-z]{1,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(keys, inner, 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Equality without case over texts split into parts anywhere is the
    /// whole texts' equality without case, for texts alike but for case
    /// and for texts that differ.
    #[test]
    fn equality_of_split_texts_ignores_only_case(
        t in "[/a-zA-Z0-9_.-]{0,70}",
        other in "[/a-zA-Z0-9_.-]{0,70}",
        flips in prop::collection::vec(any::<bool>(), 70),
        cut_a in prop::collection::vec(0usize..71, 0..4),
        cut_b in prop::collection::vec(0usize..71, 0..4),
    ) {
        let flipped: String = t
            .chars()
            .zip(flips.iter().chain(std::iter::repeat(&false)))
            .map(|(c, f)| if *f { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect();
        let split = |s: &str, cuts: &[usize]| -> Vec<String> {
            let mut at: Vec<usize> = cuts.iter().map(|c| c.min(&s.len()).to_owned()).collect();
            at.push(0);
            at.push(s.len());
            at.sort_unstable();
            at.windows(2).map(|w| s[w[0]..w[1]].to_string()).collect()
        };
        for b in [&flipped, &other] {
            let (pa, pb) = (split(&t, &cut_a), split(b, &cut_b));
            let eq = crate::models::common::eq_ci(pa.iter().map(|p| p.as_bytes()), pb.iter().map(|p| p.as_bytes()));
            prop_assert_eq!(eq, t.eq_ignore_ascii_case(b));
        }
    }

    /// The JSON report's writer writes any value exactly as serde_json's
    /// pretty printer does.
    #[test]
    fn report_writer_writes_what_serde_json_writes(v in json(), key in any::<String>()) {
        let v = serde_json::json!({ key: v });
        let mut ours = Vec::new();
        crate::render::json::to_writer_pretty(&mut ours, &v).unwrap();
        prop_assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string_pretty(&v).unwrap());
    }

    #[test]
    fn retry_after_never_panics_and_saturates(v in ".{0,40}", secs in any::<u64>(), f in any::<f64>()) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        for s in [v.clone(), secs.to_string(), f.to_string()] {
            if let Some(d) = crate::arm::throttle::parse_retry_after(&s, now) {
                prop_assert!(d <= crate::arm::throttle::MAX_SERVER_WAIT);
            }
        }
    }

    #[test]
    fn durations_from_flags_never_panic(v in ".{0,24}", f in any::<f64>()) {
        for s in [v, f.to_string()] {
            if let Ok(d) = crate::cli::parse_bounded_duration(&s) {
                prop_assert!(!d.is_zero() && d <= crate::cli::MAX_FLAG_DURATION);
            }
        }
    }

    #[test]
    fn the_limiter_waits_at_most_one_period(rps in 0.01f64..1000.0, takes in 1usize..2000) {
        let q = crate::arm::limiter::quota(rps).unwrap();
        let clock = governor::clock::FakeRelativeClock::default();
        let l = crate::arm::limiter::KeyedLimiter::with_clock(q, clock);
        let period = Duration::from_secs_f64(1.0 / rps);
        for _ in 0..takes {
            if let Err(wait) = l.try_take("sub") {
                prop_assert!(wait <= period + Duration::from_millis(1), "{wait:?} > {period:?}");
            }
        }
    }

    #[test]
    fn arm_ids_parse_without_panic_and_compare_without_case(s in "[/a-zA-Z0-9._()-]{0,80}") {
        let id = crate::models::ResourceId::new(s.clone());
        let _ = (id.subscription(), id.resource_group(), id.name(), id.parent(), id.is_within("/subscriptions/x"));
        let upper = crate::models::ResourceId::new(s.to_ascii_uppercase());
        prop_assert_eq!(&id, &upper);
        prop_assert_eq!(id.key(), s.to_ascii_lowercase());
    }

    /// An ID held as a shared head and an inline name is the text it was
    /// made from, in every way a caller sees it: spelling, JSON, length,
    /// order, hash and equality are those of the whole text without case,
    /// and the segments split across the head and the name are found.
    #[test]
    fn a_split_id_behaves_as_its_whole_text(a in "[/a-zA-Z0-9_-]{0,60}", b in "[/a-zA-Z0-9_-]{0,60}") {
        use std::hash::BuildHasher;
        let h = std::collections::hash_map::RandomState::new();
        let (x, y) = (crate::models::ResourceId::new(&a), crate::models::ResourceId::new(&b));
        prop_assert_eq!(x.to_string(), a.clone());
        prop_assert_eq!(x.as_cow(), a.as_str());
        prop_assert_eq!(x.len(), a.len());
        prop_assert_eq!(serde_json::to_string(&x).unwrap(), serde_json::to_string(&a).unwrap());
        let back: crate::models::ResourceId = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        prop_assert_eq!(back.to_string(), a.clone());
        let (la, lb) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
        prop_assert_eq!(x.cmp(&y), la.cmp(&lb));
        // Two IDs under one shared head order and compare by their names.
        let (ta, tb) = (b.replace('/', "x"), a.replace('/', "Y"));
        let (p, q) = (format!("{a}/{ta}"), format!("{a}/{tb}"));
        let (ip, iq) = (crate::models::ResourceId::new(&p), crate::models::ResourceId::new(&q));
        prop_assert_eq!(ip.cmp(&iq), p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase()));
        prop_assert_eq!(ip == iq, p.eq_ignore_ascii_case(&q));
        prop_assert_eq!(x == y, la == lb);
        prop_assert_eq!(x.eq_str(&b), la == lb);
        prop_assert_eq!(x.starts_with_ci(&b), la.starts_with(&lb));
        let text = |s: &str| {
            let mut st = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hasher::write_u64(&mut st, crate::models::common::fingerprint([s.as_bytes()]));
            std::hash::Hasher::finish(&st)
        };
        let mut st = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(&x, &mut st);
        prop_assert_eq!(std::hash::Hasher::finish(&st), text(&a));
        prop_assert_eq!(h.hash_one(&x), h.hash_one(crate::models::ResourceId::new(a.to_ascii_uppercase())));
        let name = a.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        prop_assert_eq!(x.name(), name);
        let mut parts = a.split('/');
        let mut want = None;
        while let Some(p) = parts.next() {
            if p.eq_ignore_ascii_case("resourceGroups") {
                want = parts.next().filter(|v| !v.is_empty());
                break;
            }
        }
        prop_assert_eq!(x.resource_group(), want);
        let within = la == lb.trim_end_matches('/') || la.starts_with(&format!("{}/", lb.trim_end_matches('/')));
        prop_assert_eq!(x.is_within(&b), within);
    }

    /// However a text is split into parts, its fingerprint is that of its
    /// whole lower case; an ID's, started from its interned head's, is too.
    #[test]
    fn a_text_fingerprints_as_its_lower_case_however_it_is_split(text in "[a-zA-Z0-9/._\u{e9}-]{0,200}", cuts in proptest::collection::vec(0usize..200, 0..6)) {
        let bytes = text.as_bytes();
        let mut at: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
        at.sort_unstable();
        let mut parts = Vec::new();
        let mut from = 0;
        for c in at.into_iter().chain(std::iter::once(bytes.len())) {
            parts.push(&bytes[from..c]);
            from = c;
        }
        // Fed the whole lower case in one write.
        let want = crate::models::common::fingerprint([text.to_ascii_lowercase().as_bytes()]);
        prop_assert_eq!(crate::models::common::fingerprint(parts.iter().copied()), want);
        // A write per part: the word being filled carries across writes.
        let mut fed = crate::models::common::Lower::default();
        for p in &parts {
            fed.feed(p);
        }
        prop_assert_eq!(fed.finish(), want);
        prop_assert_eq!(crate::models::ResourceId::new(&text).lower().finish(), want);
        prop_assert_eq!(crate::models::ResourceId::new(text.to_ascii_uppercase()).lower().finish(), want);
    }

    /// Sorting by ranked heads orders any set of IDs as comparing their
    /// whole texts does: heads shared, spelt in other cases, nested in one
    /// another (`lb` and `lb/frontendIPConfigurations`), or absent.
    #[test]
    fn ranked_heads_order_ids_as_their_texts_do(
        ids in proptest::collection::vec(
            (proptest::collection::vec(proptest::sample::select(vec!["a", "A", "lb", "LB", "lb-1", "fe", "b"]), 0..4),
             proptest::sample::select(vec![
                 "x", "X", "y", "", "lb", "a",
                 // Names that share, or nearly share, their first sixteen
                 // bytes in some case, and one with a NUL byte.
                 "kubernetes-abcdef", "KUBERNETES-ABCDEF", "kubernetes-abcdef0", "kubernetes-abcdef1",
                 "Kubernetes-abcdeF1", "kubernetes-abcde", "kubernetes-abcde\u{0}", "kubernetes-abcde\u{0}x",
             ])),
            0..24)
    ) {
        let ids: Vec<crate::models::ResourceId> = ids
            .iter()
            .map(|(head, tail)| {
                let mut text = head.iter().map(|s| format!("/{s}")).collect::<String>();
                text.push('/');
                text.push_str(tail);
                crate::models::ResourceId::new(if head.is_empty() && tail.len() == 1 { tail.to_string() } else { text })
            })
            .collect();
        let order = crate::models::common::IdOrder::of(&ids);
        for a in &ids {
            for b in &ids {
                prop_assert_eq!(order.cmp((a, order.place(a)), (b, order.place(b))), a.cmp(b), "{} vs {}", a, b);
            }
        }
    }

    /// The subscription and resource group, found once per interned head,
    /// are what a walk of the whole ID's segments finds: the first pair of
    /// each, empty values and a name that is the last segment included.
    #[test]
    fn a_heads_scope_is_the_first_pair_of_the_whole_id(
        segs in proptest::collection::vec(proptest::sample::select(vec![
            "", "subscriptions", "SUBSCRIPTIONS", "resourceGroups", "resourcegroups", "s1", "MC_rg", "providers", "x",
        ]), 0..9)
    ) {
        let text = segs.join("/");
        let walk = |name: &str| {
            let mut parts = text.split('/');
            while let Some(p) = parts.next() {
                if p.eq_ignore_ascii_case(name) {
                    return parts.next().filter(|v| !v.is_empty());
                }
            }
            None
        };
        let id = crate::models::ResourceId::new(&text);
        prop_assert_eq!(id.subscription(), walk("subscriptions"));
        prop_assert_eq!(id.resource_group(), walk("resourceGroups"));
        prop_assert_eq!(id.segment("subscriptions"), walk("subscriptions"));
        // What the head alone decides is the whole ID's answer.
        if let Some((sub, rg)) = id.head_scope() {
            prop_assert_eq!(sub, walk("subscriptions"));
            prop_assert_eq!(rg, walk("resourceGroups"));
        }
    }

    #[test]
    fn well_formed_ids_give_back_their_parts(sub in "[0-9a-f]{8}", rg in "[A-Za-z0-9_.-]{1,20}", name in "[a-z0-9-]{1,20}", child in "[a-z0-9-]{1,20}") {
        let lb = format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/loadBalancers/{name}");
        let id = crate::models::ResourceId::new(format!("{lb}/frontendIPConfigurations/{child}"));
        prop_assert_eq!(id.subscription(), Some(sub.as_str()));
        prop_assert_eq!(id.resource_group(), Some(rg.as_str()));
        prop_assert_eq!(id.name(), child.as_str());
        let parent = id.parent();
        prop_assert_eq!(parent.to_string(), lb);
        let rg_scope = format!("/subscriptions/{sub}/resourceGroups/{rg}");
        prop_assert!(id.is_within(&rg_scope));
    }

    #[test]
    fn next_links_elsewhere_are_never_same_origin(host in "[a-z]{1,10}", port in 1u16..65535, path in "[a-z/]{0,20}") {
        let base = url::Url::parse("https://management.azure.com").unwrap();
        let other = url::Url::parse(&format!("https://{host}.example:{port}/{path}")).unwrap();
        prop_assert!(!crate::endpoint::same_origin(&other, &base));
        let same = url::Url::parse(&format!("https://management.azure.com/{path}?$skiptoken=x")).unwrap();
        prop_assert!(crate::endpoint::same_origin(&same, &base));
    }

    #[test]
    fn suppression_files_never_panic(text in "(suppressions:\n)?(  - (kind|resource|tag|reason|expires): [*a-z0-9/.:-]{0,12}\n){0,6}") {
        let _ = crate::suppressions::parse(&text, "s.yaml");
    }

    #[test]
    fn arbitrary_json_into_the_snapshot_reader_is_an_error_or_a_snapshot(v in json()) {
        let bytes = serde_json::to_vec(&v).unwrap();
        let _ = crate::snapshot::Snapshot::from_json(&bytes);
    }

    #[test]
    fn arbitrary_json_into_the_cluster_file_reader_is_an_error_or_a_view(v in json()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.json");
        std::fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
        let _ = crate::collect::cluster::file::read(&[p]);
    }
}

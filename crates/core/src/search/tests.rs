use super::matching::{FUZZY_MIN, Query, contains, near_prefix, within_one_edit_str};
use super::*;
use proptest::prelude::*;

fn inst(id: &str, name: &str, short: &str, tier: &str) -> InstitutionSummary {
    InstitutionSummary {
        tier: tier.into(),
        ..InstitutionSummary::basic(id, name, short)
    }
}

fn directory() -> Vec<InstitutionSummary> {
    let mut v = vec![
        inst("AU00000", "Hooli Bank", "Hooli", "4"),
        inst("AU00002", "Pied Piper Bank", "Pied Piper", "4"),
        inst("AU00101", "Commonwealth Bank of Australia", "CommBank", "1"),
        inst("AU00102", "National Australia Bank", "NAB", "1"),
        inst("AU00103", "ANZ", "ANZ", "1"),
        inst("AU00104", "Westpac", "Westpac", "1"),
        inst("AU00105", "St.George Bank", "St.George", "2"),
        inst("AU00106", "Bank of Queensland", "BOQ", "2"),
        inst("AU00107", "ING", "ING", "2"),
        inst("AU00108", "HSBC Australia", "HSBC", "2"),
        inst("AU00109", "AMP Bank", "AMP", "3"),
        inst("AU00110", "Bank of Melbourne", "Bank of Melbourne", "2"),
        inst("AU00111", "Bankwest", "Bankwest", "2"),
        inst("AU00112", "UBank", "UBank", "2"),
        inst("AU00113", "Macquarie Bank", "Macquarie", "2"),
        inst(
            "AU00114",
            "Banque Société Générale",
            "Société Générale",
            "3",
        ),
        inst(
            "AU00115",
            "People's Choice Credit Union",
            "People's Choice",
            "3",
        ),
        inst(
            "AU00116",
            "Newcastle Permanent Building Society",
            "Newcastle Permanent",
            "3",
        ),
        inst("AU00117", "Bendigo Bank", "Bendigo", "2"),
    ];
    let mut nz = vec![
        inst("NZ00001", "Kiwibank", "Kiwibank", "1"),
        inst("NZ00002", "ASB Bank", "ASB", "1"),
        inst("NZ00003", "Bank of New Zealand", "BNZ", "1"),
        inst("NZ00004", "Westpac New Zealand", "Westpac NZ", "1"),
    ];
    for i in &mut nz {
        i.country = "New Zealand".into();
    }
    v.append(&mut nz);
    v[8].service_type = "Business Banking".into();
    v
}

fn ids(dir: &[InstitutionSummary], hits: &[Hit]) -> Vec<String> {
    hits.iter().map(|h| dir[h.index].id.clone()).collect()
}

fn first(query: &str) -> (String, MatchKind) {
    let dir = directory();
    let hits = search(&dir, query, &Filters::none());
    let h = hits
        .first()
        .unwrap_or_else(|| panic!("no hit for {query:?}"));
    (dir[h.index].name.clone(), h.kind)
}

#[test]
fn folding_removes_case_accents_and_punctuation() {
    assert_eq!(fold("St.George Bank"), "st george bank");
    assert_eq!(
        fold("  Banque Société  Générale!"),
        "banque societe generale"
    );
    assert_eq!(fold("People’s Choice"), "peoples choice");
    assert_eq!(fold("Straße"), "strasse");
    assert_eq!(fold("Te Tāpui Ōtautahi"), "te tapui otautahi");
    assert_eq!(fold("Cafe\u{301}"), "cafe");
    assert_eq!(fold("---"), "");
}

#[test]
fn aliases_find_the_big_banks() {
    for (query, expected) in [
        ("cba", "Commonwealth Bank of Australia"),
        ("commbank", "Commonwealth Bank of Australia"),
        ("Commonwealth", "Commonwealth Bank of Australia"),
        ("nab", "National Australia Bank"),
        ("anz", "ANZ"),
        ("stgeorge", "St.George Bank"),
        ("st.george", "St.George Bank"),
        ("st george", "St.George Bank"),
        ("St George", "St.George Bank"),
        ("boq", "Bank of Queensland"),
        ("ing", "ING"),
        ("hsbc", "HSBC Australia"),
        ("amp", "AMP Bank"),
        ("bom", "Bank of Melbourne"),
        ("bankwest", "Bankwest"),
        ("ubank", "UBank"),
        ("macquarie", "Macquarie Bank"),
        ("kiwibank", "Kiwibank"),
        ("asb", "ASB Bank"),
        ("bnz", "Bank of New Zealand"),
        ("westpac", "Westpac"),
    ] {
        assert_eq!(first(query).0, expected, "query {query:?}");
    }
}

#[test]
fn pure_aliases_report_the_alias_kind() {
    assert_eq!(first("cba").1, MatchKind::Alias);
    assert_eq!(first("bom").1, MatchKind::Alias);
    assert_eq!(first("bnz").1, MatchKind::Exact, "BNZ is the short name");
}

#[test]
fn one_typo_in_long_words_is_forgiven() {
    assert_eq!(first("westpak"), ("Westpac".to_string(), MatchKind::Fuzzy));
    assert_eq!(first("macqaurie").0, "Macquarie Bank");
    assert_eq!(first("comonwealth").0, "Commonwealth Bank of Australia");
    assert_eq!(first("queenslnd").0, "Bank of Queensland");
    assert_eq!(first("st goerge").0, "St.George Bank");
}

#[test]
fn short_words_and_two_typos_are_not_fuzzy() {
    let dir = directory();
    assert!(
        search(&dir, "hoolx", &Filters::none())
            .iter()
            .all(|h| dir[h.index].id == "AU00000")
    );
    assert!(search(&dir, "wastpak", &Filters::none()).is_empty());
    assert!(search(&dir, "nub", &Filters::none()).is_empty());
    // A typo is forgiven against words of five letters or more only: "ubank" is not "bank".
    let ubank: Vec<_> = search(&dir, "ubank", &Filters::none())
        .iter()
        .map(|h| dir[h.index].id.clone())
        .collect();
    assert_eq!(ubank, ["AU00112"]);
}

#[test]
fn ranking_is_exact_prefix_word_prefix_contains_then_tier_then_name() {
    let dir = vec![
        inst("A", "Xbank", "Xbank", "1"),         // contains "bank"
        inst("B", "Bank Two", "Bank Two", "3"),   // prefix
        inst("C", "Bank", "Bank", "4"),           // exact
        inst("D", "First Bank", "First", "1"),    // word prefix
        inst("E", "Bank One", "Bank One", "3"),   // prefix, same tier as B, sorts first
        inst("F", "Bank Zero", "Bank Zero", "2"), // prefix, better tier
    ];
    let hits = search(&dir, "BANK", &Filters::none());
    assert_eq!(ids(&dir, &hits), ["C", "F", "E", "B", "D", "A"]);
    let kinds: Vec<_> = hits.iter().map(|h| h.kind).collect();
    use MatchKind::*;
    assert_eq!(kinds, [Exact, Prefix, Prefix, Prefix, WordPrefix, Contains]);
}

#[test]
fn direct_matches_beat_aliases_and_fuzzy() {
    let dir = directory();
    let hits = search(&dir, "westpac", &Filters::none());
    assert_eq!(hits[0].kind, MatchKind::Exact);
    assert_eq!(dir[hits[0].index].name, "Westpac");
    assert_eq!(dir[hits[1].index].name, "Westpac New Zealand");
    assert_eq!(hits[1].kind, MatchKind::Prefix);
}

#[test]
fn accents_and_apostrophes_do_not_matter() {
    assert_eq!(first("societe generale").0, "Banque Société Générale");
    assert_eq!(first("SOCIÉTÉ").0, "Banque Société Générale");
    assert_eq!(first("peoples").0, "People's Choice Credit Union");
    assert_eq!(first("people's choice").0, "People's Choice Credit Union");
    assert_eq!(first("permanent").1, MatchKind::WordPrefix);
}

#[test]
fn multi_word_queries_match_words_in_any_order() {
    let dir = directory();
    let hits = search(&dir, "bank melb", &Filters::none());
    assert_eq!(dir[hits[0].index].name, "Bank of Melbourne");
    let hits = search(&dir, "melbourne bank", &Filters::none());
    assert_eq!(dir[hits[0].index].name, "Bank of Melbourne");
    assert_eq!(hits[0].kind, MatchKind::WordPrefix);
}

#[test]
fn empty_query_lists_everything_by_tier_then_name() {
    let dir = directory();
    for q in ["", "   ", " .-"] {
        let hits = search(&dir, q, &Filters::none());
        assert_eq!(hits.len(), dir.len());
        assert!(hits.iter().all(|h| h.kind == MatchKind::All));
        let keys: Vec<_> = hits
            .iter()
            .map(|h| (dir[h.index].tier.clone(), fold(&dir[h.index].name)))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
    }
}

#[test]
fn filters_restrict_service_types_and_countries() {
    let dir = directory();
    let nz = Filters {
        service_types: vec![],
        countries: vec!["new zealand".into()],
    };
    let hits = search(&dir, "", &nz);
    assert_eq!(hits.len(), 4);
    assert!(hits.iter().all(|h| dir[h.index].country == "New Zealand"));
    assert_eq!(ids(&dir, &search(&dir, "westpac", &nz)), ["NZ00004"]);

    let personal_au = Filters {
        service_types: vec!["Personal Banking".into()],
        countries: vec!["Australia".into()],
    };
    let hits = search(&dir, "", &personal_au);
    assert_eq!(hits.len(), dir.len() - 4 - 1);
    assert!(
        search(&dir, "ing", &personal_au)
            .iter()
            .all(|h| dir[h.index].id != "AU00107")
    );

    let cfg = PublicConfig {
        basiq_url: String::new(),
        basiq_version: "2.1".into(),
        service_types: vec!["Business Banking".into()],
        countries: vec![],
        allowed_parent_origins: vec![],
        sandbox: true,
        min_refresh_interval_secs: 0,
        connect_mode: Default::default(),
        consent_ui_origin: None,
    };
    assert_eq!(
        ids(&dir, &search(&dir, "", &Filters::from_config(&cfg))),
        ["AU00107"]
    );
}

#[test]
fn the_index_can_be_reused() {
    let dir = directory();
    let index = SearchIndex::new(&dir);
    assert_eq!(index.len(), dir.len());
    assert!(!index.is_empty());
    assert_eq!(
        index.search("hooli", &Filters::none()),
        search(&dir, "hooli", &Filters::none())
    );
    assert!(
        SearchIndex::new(&[])
            .search("x", &Filters::none())
            .is_empty()
    );
}

#[test]
fn within_one_edit_examples() {
    let t = |a: &str, b: &str| within_one_edit_str(a, b);
    assert!(t("westpak", "westpac"));
    assert!(t("wetspac", "westpac"));
    assert!(t("westpa", "westpac"));
    assert!(t("wesstpac", "westpac"));
    assert!(!t("wastpak", "westpac"));
    assert!(!t("westpacxx", "westpac"));
    assert_eq!(edit_distance("ca", "abc"), 3);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
}

#[test]
fn all_is_every_accepted_institution_by_tier_then_name() {
    let dir = directory();
    let filters = Filters {
        service_types: vec!["Personal Banking".into()],
        countries: vec![],
    };
    let hits = SearchIndex::new(&dir).all(&filters);
    assert!(hits.iter().all(|h| h.kind == MatchKind::All));
    let got: Vec<usize> = hits.iter().map(|h| h.index).collect();
    let mut want: Vec<usize> = (0..dir.len())
        .filter(|&i| filters.accepts(&dir[i].service_type, &dir[i].country))
        .collect();
    want.sort_by_key(|&i| {
        let tier = dir[i].tier.trim().parse::<u8>().unwrap_or(u8::MAX);
        (tier, fold(&dir[i].name))
    });
    assert!(!want.is_empty() && want.len() < dir.len());
    assert_eq!(got, want);
    // What the empty query finds.
    assert_eq!(search(&dir, " ", &filters), hits);
}

proptest! {
    #[test]
    fn within_one_edit_agrees_with_edit_distance(a in "[abc]{0,7}", b in "[abc]{0,7}") {
        prop_assert_eq!(within_one_edit_str(&a, &b), edit_distance(&a, &b) <= 1);
    }

    #[test]
    fn near_prefix_agrees_with_edit_distance(q in "[abc]{4,8}", w in "[abc]{0,10}") {
        let n = q.chars().count();
        let expected = (n.saturating_sub(1)..=n + 1)
            .filter(|&k| k >= FUZZY_MIN && k <= w.len())
            .any(|k| edit_distance(&q, &w[..k]) <= 1);
        prop_assert_eq!(near_prefix(&q, &w), expected);
    }

    #[test]
    fn contains_agrees_with_str_contains(h in "[ab]{0,12}", n in "[ab]{0,4}") {
        prop_assert_eq!(contains(h.as_bytes(), n.as_bytes()), h.contains(n.as_str()));
    }

    #[test]
    fn finds_all_is_the_query_that_finds_everything(q in "[ .,'\\-aé&]{0,6}|\\PC{0,8}") {
        prop_assert_eq!(finds_all(&q), Query::new(&q).compact.is_empty());
    }

    #[test]
    fn search_never_panics_and_hits_are_unique(q in "\\PC{0,20}") {
        let dir = directory();
        let hits = search(&dir, &q, &Filters::none());
        let mut seen: Vec<usize> = hits.iter().map(|h| h.index).collect();
        seen.sort_unstable();
        seen.dedup();
        prop_assert_eq!(seen.len(), hits.len());
        prop_assert!(hits.windows(2).all(|w| w[0].kind <= w[1].kind));
    }

    #[test]
    fn any_piece_of_a_name_finds_it_directly(
        names in proptest::collection::vec("[A-Za-zé' .]{1,24}", 1..8),
        pick in any::<proptest::sample::Index>(),
        from in any::<proptest::sample::Index>(),
        len in 1usize..6,
    ) {
        let dir: Vec<_> = names.iter().enumerate().map(|(i, n)| inst(&i.to_string(), n, "", "1")).collect();
        let i = pick.index(dir.len());
        let compact = Folded::new(&dir[i].name).compact;
        prop_assume!(!compact.is_empty());
        let start = from.index(compact.len());
        let piece = &compact[start..(start + len).min(compact.len())];
        let hits = search(&dir, piece, &Filters::none());
        prop_assert!(
            hits.iter().any(|h| h.index == i && h.kind <= MatchKind::Contains),
            "{:?} not found in {:?}: {:?}", piece, dir[i].name, hits
        );
    }

    #[test]
    fn a_whole_name_always_finds_itself_first(i in 0usize..23) {
        let dir = directory();
        let hits = search(&dir, &dir[i].name.to_uppercase(), &Filters::none());
        prop_assert_eq!(hits[0].kind, MatchKind::Exact);
        prop_assert!(hits.iter().any(|h| h.index == i && h.kind == MatchKind::Exact));
    }
}

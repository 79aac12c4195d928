//! Institution search over 2,000 synthetic institutions (and 5,000, the app's budget size):
//! `cargo bench -p bank-connect-core --bench search -- --quick`.

use std::hint::black_box;

use bank_connect_core::InstitutionSummary;
use bank_connect_core::search::{Filters, SearchIndex};
use criterion::{Criterion, criterion_group, criterion_main};

const FIRST: &[&str] = &[
    "Northern",
    "Southern",
    "Coastal",
    "Heritage",
    "Pioneer",
    "Regional",
    "Summit",
    "Harbour",
    "Golden",
    "Unity",
    "Riverina",
    "Capricorn",
    "Illawarra",
    "Tasman",
    "Otago",
    "Waikato",
    "Gippsland",
    "Murray",
    "Hunter",
    "Société",
];
const SECOND: &[&str] = &[
    "Mutual",
    "Community",
    "Teachers",
    "Police",
    "Health",
    "Farmers",
    "Miners",
    "Defence",
    "Family",
    "Peoples",
    "Members",
    "Savings",
    "Trust",
    "Citizens",
    "Federal",
    "Country",
];
const KIND: &[&str] = &[
    "Bank",
    "Credit Union",
    "Building Society",
    "Banking Group",
    "Financial Services",
    "Super Fund",
    "Card Services",
    "Cooperative",
];
const REAL: &[&str] = &[
    "Commonwealth Bank of Australia",
    "National Australia Bank",
    "ANZ",
    "Westpac",
    "St.George Bank",
    "Bank of Queensland",
    "ING",
    "HSBC Australia",
    "AMP Bank",
    "Bank of Melbourne",
    "Bankwest",
    "UBank",
    "Macquarie Bank",
    "Kiwibank",
    "ASB Bank",
    "Bank of New Zealand",
    "Hooli Bank",
];

/// 2,000 institutions with made-up but realistic names, deterministic.
fn synthetic(n: usize) -> Vec<InstitutionSummary> {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    (0..n)
        .map(|i| {
            let name = if i < REAL.len() {
                REAL[i].to_string()
            } else {
                format!(
                    "{} {} {}",
                    FIRST[next() % FIRST.len()],
                    SECOND[next() % SECOND.len()],
                    KIND[next() % KIND.len()]
                )
            };
            let short = name.split(' ').take(2).collect::<Vec<_>>().join(" ");
            InstitutionSummary {
                id: format!("AU{i:05}"),
                name,
                short_name: short,
                service_type: ["Personal Banking", "Business Banking"][next() % 2].into(),
                country: ["Australia", "New Zealand"][next() % 2].into(),
                tier: ((next() % 4) + 1).to_string(),
                status: "operational".into(),
                authorization: "user".into(),
                login_id_caption: "Login".into(),
                password_caption: "Password".into(),
                security_code_caption: None,
                secondary_login_id_caption: None,
                forgotten_password_url: None,
                logo: None,
                average_duration_ms: None,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let institutions = synthetic(2_000);
    c.bench_function("index 2000", |b| {
        b.iter(|| SearchIndex::new(black_box(&institutions)))
    });
    let index = SearchIndex::new(&institutions);
    let none = Filters::none();
    let au_personal = Filters {
        service_types: vec!["Personal Banking".into()],
        countries: vec!["Australia".into()],
    };
    for query in [
        "",
        "c",
        "cba",
        "bank",
        "westpak",
        "st george",
        "credit union",
        "harbour mutual",
        "socie",
        "gippslnd",
        "zzzzzz",
    ] {
        c.bench_function(&format!("search 2000 {query:?}"), |b| {
            b.iter(|| index.search(black_box(query), &none))
        });
    }
    c.bench_function("search 2000 \"bank\" filtered AU personal", |b| {
        b.iter(|| index.search(black_box("bank"), &au_personal))
    });

    let big = synthetic(5_000);
    let big_index = SearchIndex::new(&big);
    for query in ["", "cba", "westpak", "credit union", "socie"] {
        c.bench_function(&format!("search 5000 {query:?}"), |b| {
            b.iter(|| big_index.search(black_box(query), &none))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Synthetic institution directories of any size, deterministic, for benchmarks (native and
//! wasm) and load work. Not used by the product itself.

use crate::InstitutionSummary;

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

/// `n` institutions with made-up but realistic names (accents included), deterministic.
pub fn directory(n: usize) -> Vec<InstitutionSummary> {
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
                service_type: ["Personal Banking", "Business Banking"][next() % 2].into(),
                country: ["Australia", "New Zealand"][next() % 2].into(),
                tier: ((next() % 4) + 1).to_string(),
                ..InstitutionSummary::basic(&format!("AU{i:05}"), &name, &short)
            }
        })
        .collect()
}

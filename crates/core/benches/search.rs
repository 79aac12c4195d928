//! Institution search over 2,000 synthetic institutions (and 5,000, the app's budget size):
//! `cargo bench -p bank-connect-core --bench search -- --quick`.

use std::hint::black_box;

use bank_connect_core::search::{Filters, SearchIndex};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let institutions = bank_connect_core::synthetic::directory(2_000);
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

    let big = bank_connect_core::synthetic::directory(5_000);
    let big_index = SearchIndex::new(&big);
    for query in ["", "cba", "westpak", "credit union", "socie"] {
        c.bench_function(&format!("search 5000 {query:?}"), |b| {
            b.iter(|| big_index.search(black_box(query), &none))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

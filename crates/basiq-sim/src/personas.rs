//! The sandbox personas (Basiq's documented logins) and their deterministic accounts and
//! transactions.

use chrono::{Duration as Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::state::det_hash;

/// How a login ends at verify-credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A happy persona (index into [`PERSONAS`]).
    Ok(usize),
    /// `bighead`: locked account.
    Locked,
    /// `erlich`: user action required.
    ActionRequired,
    /// `jianYang`: service unavailable.
    Unavailable,
    /// Anything else.
    BadCredentials,
}

/// Decides the outcome of a login (same at every institution).
pub fn verdict(login: &str, password: &str) -> Verdict {
    if let Some(i) = PERSONAS
        .iter()
        .position(|p| p.login == login && p.password == password)
    {
        return Verdict::Ok(i);
    }
    match (login, password) {
        ("bighead", "password") => Verdict::Locked,
        ("erlich", "aviato") => Verdict::ActionRequired,
        ("jianYang", "nothotdog") => Verdict::Unavailable,
        _ => Verdict::BadCredentials,
    }
}

/// The MFA challenge a persona gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaKind {
    /// OTP `["OTP Password"]` → `["1234"]`.
    Token,
    /// `["What's your first company?"]` → `["Hooli"]`.
    OneQuestion,
    /// Two questions → `["Basiq", "<institution id>"]` (AU00000 also accepted).
    TwoQuestions,
}

/// One account of a persona.
#[derive(Debug)]
pub struct AccountSpec {
    /// `accountNo`.
    pub no: &'static str,
    /// Account name.
    pub name: &'static str,
    /// `class.type`.
    pub class: &'static str,
    /// Product suffix (product = `<institution shortName> <suffix>`).
    pub product: &'static str,
    /// Balance in cents.
    pub balance: i64,
    /// Available funds in cents.
    pub available: i64,
    /// Holder override (joint accounts).
    pub holder: Option<&'static str>,
    /// Daily probability of a card/EFTPOS purchase.
    pub spend: f64,
}

/// A recurring transaction.
#[derive(Debug)]
pub struct Flow {
    /// Account number it lands on.
    pub account: &'static str,
    /// Description.
    pub description: &'static str,
    /// Signed cents.
    pub cents: i64,
    /// Every n days.
    pub every: i64,
    /// First occurrence n days ago (counts back from here).
    pub offset: i64,
    /// Transaction class.
    pub class: &'static str,
    /// Only on days younger than this (days ago; 0 = whole history).
    pub since: i64,
    /// Only on days older than this (days ago; 0 = up to today).
    pub until: i64,
    /// Random jitter of the amount, in percent.
    pub jitter: i64,
}

const fn f(
    account: &'static str,
    description: &'static str,
    cents: i64,
    every: i64,
    offset: i64,
    class: &'static str,
) -> Flow {
    Flow {
        account,
        description,
        cents,
        every,
        offset,
        class,
        since: 0,
        until: 0,
        jitter: 0,
    }
}

const fn acc(
    no: &'static str,
    name: &'static str,
    class: &'static str,
    product: &'static str,
    balance: i64,
    available: i64,
    spend: f64,
) -> AccountSpec {
    AccountSpec {
        no,
        name,
        class,
        product,
        balance,
        available,
        holder: None,
        spend,
    }
}

/// A happy-path sandbox persona.
#[derive(Debug)]
pub struct Persona {
    /// Login id.
    pub login: &'static str,
    /// Password.
    pub password: &'static str,
    /// Account holder / full name.
    pub full_name: &'static str,
    /// First name.
    pub first: &'static str,
    /// Last name.
    pub last: &'static str,
    /// Email.
    pub email: &'static str,
    /// Phone.
    pub phone: &'static str,
    /// `(addressLine1, city, state, postcode)`.
    pub address: (&'static str, &'static str, &'static str, &'static str),
    /// MFA challenge at MFA banks.
    pub mfa: MfaKind,
    /// Accounts.
    pub accounts: &'static [AccountSpec],
    /// Recurring transactions.
    pub flows: &'static [Flow],
    /// Extra merchants this persona uses (description, class, min cents, max cents, daily probability, account).
    pub extras: &'static [(&'static str, &'static str, i64, i64, f64, &'static str)],
}

/// Basiq's eight happy-path sandbox logins.
pub static PERSONAS: &[Persona] = &[
    Persona {
        login: "Wentworth-Smith",
        password: "whislter",
        full_name: "Max Wentworth-Smith",
        first: "Max",
        last: "Wentworth-Smith",
        email: "maxsmith@gmail.com",
        phone: "040534555 ### 991",
        address: ("91 Fisher Road", "Dee Why", "NSW", "2099"),
        mfa: MfaKind::TwoQuestions,
        accounts: &[
            acc(
                "1",
                "Credit Card 13000",
                "credit-card",
                "Visa",
                -608_150,
                1_391_850,
                0.5,
            ),
            acc(
                "2",
                "Transaction 14000",
                "transaction",
                "Transaction",
                3_407_600,
                3_407_600,
                0.7,
            ),
            acc(
                "3",
                "Savings 123890",
                "savings",
                "Saver",
                3_838_373,
                3_838_373,
                0.0,
            ),
            AccountSpec {
                holder: Some("Max Wentworth-Smith & Paul Wentworth-Smith"),
                ..acc(
                    "4",
                    "Mortgage 746833",
                    "mortgage",
                    "Home Loan",
                    -29_929_225,
                    10_070_775,
                    0.0,
                )
            },
            acc(
                "5",
                "Car Loan 220931",
                "loan",
                "Car Loan",
                -1_845_000,
                0,
                0.0,
            ),
        ],
        flows: &[
            f("2", "SALARY HOOLI PTY LTD", 385_000, 14, 3, "direct-credit"),
            f(
                "2",
                "PAY ACME CORP P WENTWORTH-SMITH",
                620_000,
                30,
                12,
                "direct-credit",
            ),
            f(
                "2",
                "TRANSFER TO HOME LOAN 746833",
                -245_000,
                30,
                14,
                "transfer",
            ),
            f("4", "LOAN REPAYMENT", 245_000, 30, 14, "loan-repayment"),
            f("4", "LOAN INTEREST", -151_230, 30, 1, "loan-interest"),
            f(
                "2",
                "TRANSFER TO CAR LOAN 220931",
                -61_500,
                30,
                16,
                "transfer",
            ),
            f("5", "LOAN REPAYMENT", 61_500, 30, 16, "loan-repayment"),
            f("5", "LOAN INTEREST", -11_820, 30, 2, "loan-interest"),
            f("2", "CREDIT CARD PAYMENT", -150_000, 30, 20, "transfer"),
            f("1", "PAYMENT - THANK YOU", 150_000, 30, 20, "transfer"),
            f(
                "3",
                "Savings Interest CR Bal @0%%",
                8_963,
                30,
                4,
                "interest",
            ),
            f(
                "2",
                "TRANSFER TO SAVINGS 123890",
                -50_000,
                30,
                5,
                "transfer",
            ),
            f(
                "3",
                "TRANSFER FROM TRANSACTION 14000",
                50_000,
                30,
                5,
                "transfer",
            ),
        ],
        extras: &[],
    },
    Persona {
        login: "Whistler",
        password: "ShowBox",
        full_name: "Sam Whistler",
        first: "Sam",
        last: "Whistler",
        email: "sam.whistler@example.com",
        phone: "0412 555 102",
        address: ("14 Ocean Street", "Bondi", "NSW", "2026"),
        mfa: MfaKind::TwoQuestions,
        accounts: &[
            acc(
                "1",
                "Everyday 20441",
                "transaction",
                "Everyday",
                412_385,
                412_385,
                0.8,
            ),
            acc(
                "2",
                "Savings 20442",
                "savings",
                "Saver",
                1_254_000,
                1_254_000,
                0.0,
            ),
            acc(
                "3",
                "Credit Card 20443",
                "credit-card",
                "Low Rate Card",
                -184_220,
                415_780,
                0.3,
            ),
        ],
        flows: &[
            f("1", "SALARY SHOWBOX MEDIA", 241_055, 14, 6, "direct-credit"),
            f("1", "AFTERPAY INSTALMENT", -4_250, 14, 2, "payment"),
            f("1", "TRANSFER TO JARED", -150_000, 21, 9, "transfer"),
            f("1", "RENT PAYMENT - REAL ESTATE", -95_000, 14, 7, "payment"),
            f("2", "Savings Interest CR", 1_210, 30, 3, "interest"),
            f("1", "CREDIT CARD PAYMENT", -40_000, 30, 11, "transfer"),
            f("3", "PAYMENT - THANK YOU", 40_000, 30, 11, "transfer"),
        ],
        extras: &[("ZIP PAY REPAYMENT", "payment", 2_000, 9_000, 0.06, "1")],
    },
    Persona {
        login: "Gilfoyle",
        password: "PiedPiper",
        full_name: "Bertram Gilfoyle",
        first: "Bertram",
        last: "Gilfoyle",
        email: "gilfoyle@example.com",
        phone: "0413 555 207",
        address: ("7 Server Lane", "Carlton", "VIC", "3053"),
        mfa: MfaKind::OneQuestion,
        accounts: &[
            acc(
                "1",
                "Transaction 31107",
                "transaction",
                "Transaction",
                23_514,
                23_514,
                0.6,
            ),
            acc(
                "2",
                "Credit Card 31108",
                "credit-card",
                "Visa",
                -392_870,
                7_130,
                0.35,
            ),
        ],
        flows: &[
            Flow {
                until: 120,
                ..f(
                    "1",
                    "SALARY PIED PIPER INC",
                    298_000,
                    14,
                    4,
                    "direct-credit",
                )
            },
            Flow {
                since: 110,
                ..f(
                    "1",
                    "CENTRELINK JOBSEEKER PAYMENT",
                    78_040,
                    14,
                    1,
                    "direct-credit",
                )
            },
            f("1", "AFTERPAY INSTALMENT", -3_875, 14, 3, "payment"),
            Flow {
                since: 100,
                ..f("2", "LATE PAYMENT FEE", -1_500, 30, 8, "bank-fee")
            },
            f("2", "INTEREST CHARGED", -5_412, 30, 1, "bank-fee"),
            f("1", "RENT - BPAY", -72_000, 14, 6, "payment"),
        ],
        extras: &[("ZIP PAY REPAYMENT", "payment", 2_500, 7_000, 0.05, "1")],
    },
    Persona {
        login: "gavinBelson",
        password: "hooli2016",
        full_name: "Gavin Belson",
        first: "Gavin",
        last: "Belson",
        email: "gavin@hooli.com",
        phone: "0410 888 666",
        address: ("1 Hooli Way", "Palo Alto", "NSW", "2000"),
        mfa: MfaKind::OneQuestion,
        accounts: &[
            acc(
                "1",
                "Transaction 40011",
                "transaction",
                "Transaction",
                2_183_450,
                2_183_450,
                0.75,
            ),
            acc(
                "2",
                "Savings 40012",
                "savings",
                "Saver",
                9_402_310,
                9_402_310,
                0.0,
            ),
            acc(
                "3",
                "Credit Card 40013",
                "credit-card",
                "Platinum Visa",
                -712_045,
                1_787_955,
                0.5,
            ),
            acc(
                "4",
                "Personal Loan 40014",
                "loan",
                "Personal Loan",
                -1_230_000,
                0,
                0.0,
            ),
        ],
        flows: &[
            f(
                "1",
                "SALARY HOOLI PTY LTD",
                1_850_000,
                30,
                9,
                "direct-credit",
            ),
            Flow {
                jitter: 30,
                ..f(
                    "1",
                    "TUTORING - OSKO PAYMENT",
                    24_000,
                    7,
                    2,
                    "direct-credit",
                )
            },
            f(
                "1",
                "TRANSFER TO PERSONAL LOAN",
                -52_000,
                30,
                10,
                "transfer",
            ),
            f("4", "LOAN REPAYMENT", 52_000, 30, 10, "loan-repayment"),
            f("4", "LOAN INTEREST", -9_870, 30, 1, "loan-interest"),
            f("1", "CREDIT CARD PAYMENT", -300_000, 30, 12, "transfer"),
            f("3", "PAYMENT - THANK YOU", 300_000, 30, 12, "transfer"),
            f("2", "Savings Interest CR", 23_450, 30, 4, "interest"),
        ],
        extras: &[],
    },
    Persona {
        login: "jared",
        password: "django",
        full_name: "Jared Donald",
        first: "Jared",
        last: "Donald",
        email: "jared@example.com",
        phone: "0414 555 318",
        address: ("22 Garden Crescent", "Paddington", "QLD", "4064"),
        mfa: MfaKind::Token,
        accounts: &[
            acc(
                "1",
                "Transaction 50021",
                "transaction",
                "Transaction",
                612_040,
                612_040,
                0.6,
            ),
            acc(
                "2",
                "Term Deposit 50022",
                "term-deposit",
                "Term Deposit",
                5_000_000,
                0,
                0.0,
            ),
            acc(
                "3",
                "Mortgage 50023",
                "mortgage",
                "Home Loan",
                -41_250_000,
                2_500_000,
                0.0,
            ),
            acc(
                "4",
                "Car Loan 50024",
                "loan",
                "Car Loan",
                -2_210_000,
                0,
                0.0,
            ),
        ],
        flows: &[
            Flow {
                jitter: 45,
                ..f("1", "UBER *TRIP PAYOUT", 61_500, 7, 1, "direct-credit")
            },
            f(
                "1",
                "TRANSFER FROM SAM WHISTLER",
                150_000,
                21,
                9,
                "transfer",
            ),
            f("1", "TRANSFER TO HOME LOAN", -268_000, 30, 15, "transfer"),
            f("3", "LOAN REPAYMENT", 268_000, 30, 15, "loan-repayment"),
            f("3", "LOAN INTEREST", -205_310, 30, 1, "loan-interest"),
            f("1", "TRANSFER TO CAR LOAN", -58_000, 30, 17, "transfer"),
            f("4", "LOAN REPAYMENT", 58_000, 30, 17, "loan-repayment"),
            f("4", "LOAN INTEREST", -13_390, 30, 2, "loan-interest"),
            f("2", "TERM DEPOSIT INTEREST", 43_750, 91, 20, "interest"),
        ],
        extras: &[],
    },
    Persona {
        login: "richard",
        password: "tabsnotspaces",
        full_name: "Richard Spaces",
        first: "Richard",
        last: "Spaces",
        email: "richard@example.com",
        phone: "0415 555 421",
        address: ("5 Newell Road", "Toorak", "VIC", "3142"),
        mfa: MfaKind::Token,
        accounts: &[
            acc(
                "1",
                "Transaction 60031",
                "transaction",
                "Premium Transaction",
                8_421_990,
                8_421_990,
                0.9,
            ),
            acc(
                "2",
                "Savings 60032",
                "savings",
                "Saver",
                21_500_000,
                21_500_000,
                0.0,
            ),
            acc(
                "3",
                "Mortgage 60033",
                "mortgage",
                "Home Loan",
                -128_000_000,
                0,
                0.0,
            ),
            acc(
                "4",
                "Investment Loan 60034",
                "mortgage",
                "Investment Home Loan",
                -61_500_000,
                0,
                0.0,
            ),
            acc(
                "5",
                "Investment Loan 60035",
                "mortgage",
                "Investment Home Loan",
                -54_800_000,
                0,
                0.0,
            ),
            acc(
                "6",
                "Car Loan 60036",
                "loan",
                "Car Loan",
                -6_900_000,
                0,
                0.0,
            ),
            acc(
                "7",
                "Car Loan 60037",
                "loan",
                "Car Loan",
                -3_850_000,
                0,
                0.0,
            ),
            acc(
                "8",
                "Credit Card 60038",
                "credit-card",
                "Black Visa",
                -1_245_000,
                3_755_000,
                0.6,
            ),
            acc(
                "9",
                "Credit Card 60039",
                "credit-card",
                "Platinum Mastercard",
                -322_150,
                1_677_850,
                0.4,
            ),
            acc(
                "10",
                "Credit Card 60040",
                "credit-card",
                "Rewards Card",
                -98_210,
                901_790,
                0.3,
            ),
            acc(
                "11",
                "Credit Card 60041",
                "credit-card",
                "Business Card",
                -455_600,
                1_544_400,
                0.25,
            ),
        ],
        flows: &[
            f(
                "1",
                "SALARY PIED PIPER INC",
                3_200_000,
                30,
                8,
                "direct-credit",
            ),
            f(
                "1",
                "RENT RECEIVED - 12 ELM ST",
                260_000,
                30,
                3,
                "direct-credit",
            ),
            f(
                "1",
                "RENT RECEIVED - 4/88 PARK RD",
                310_000,
                30,
                5,
                "direct-credit",
            ),
            f("1", "TRANSFER TO HOME LOAN", -690_000, 30, 10, "transfer"),
            f("3", "LOAN REPAYMENT", 690_000, 30, 10, "loan-repayment"),
            f("3", "LOAN INTEREST", -620_400, 30, 1, "loan-interest"),
            f(
                "1",
                "TRANSFER TO INVESTMENT LOAN 60034",
                -310_000,
                30,
                11,
                "transfer",
            ),
            f("4", "LOAN REPAYMENT", 310_000, 30, 11, "loan-repayment"),
            f("4", "LOAN INTEREST", -298_100, 30, 1, "loan-interest"),
            f(
                "1",
                "TRANSFER TO INVESTMENT LOAN 60035",
                -280_000,
                30,
                12,
                "transfer",
            ),
            f("5", "LOAN REPAYMENT", 280_000, 30, 12, "loan-repayment"),
            f("5", "LOAN INTEREST", -265_700, 30, 1, "loan-interest"),
            f(
                "1",
                "TRANSFER TO CAR LOAN 60036",
                -145_000,
                30,
                13,
                "transfer",
            ),
            f("6", "LOAN REPAYMENT", 145_000, 30, 13, "loan-repayment"),
            f(
                "1",
                "TRANSFER TO CAR LOAN 60037",
                -98_000,
                30,
                13,
                "transfer",
            ),
            f("7", "LOAN REPAYMENT", 98_000, 30, 13, "loan-repayment"),
            f("8", "PAYMENT - THANK YOU", 500_000, 30, 14, "transfer"),
            f("9", "PAYMENT - THANK YOU", 200_000, 30, 14, "transfer"),
            f("10", "PAYMENT - THANK YOU", 80_000, 30, 14, "transfer"),
            f("11", "PAYMENT - THANK YOU", 150_000, 30, 14, "transfer"),
            f("2", "Savings Interest CR", 61_020, 30, 4, "interest"),
        ],
        extras: &[],
    },
    Persona {
        login: "laurieBream",
        password: "business2024",
        full_name: "Laurie Bream",
        first: "Laurie",
        last: "Bream",
        email: "laurie@breamcapital.example.com",
        phone: "0416 555 530",
        address: ("Level 9, 100 Market Street", "Sydney", "NSW", "2000"),
        mfa: MfaKind::Token,
        accounts: &[
            acc(
                "1",
                "Business Everyday 70051",
                "transaction",
                "Business Everyday",
                18_304_410,
                18_304_410,
                0.5,
            ),
            acc(
                "2",
                "Business Saver 70052",
                "savings",
                "Business Saver",
                45_000_000,
                45_000_000,
                0.0,
            ),
            acc(
                "3",
                "Business Card 70053",
                "credit-card",
                "Business Visa",
                -1_502_300,
                3_497_700,
                0.45,
            ),
        ],
        flows: &[
            Flow {
                jitter: 60,
                ..f(
                    "1",
                    "INVOICE PAYMENT - CLIENT",
                    1_250_000,
                    7,
                    2,
                    "direct-credit",
                )
            },
            f("1", "PAYROLL - STAFF WAGES", -2_850_000, 14, 4, "payment"),
            f("1", "ATO BAS PAYMENT", -1_920_000, 91, 25, "payment"),
            f("1", "OFFICE LEASE - MARKET ST", -850_000, 30, 1, "payment"),
            f("1", "MERCHANT FEES", -18_540, 30, 2, "bank-fee"),
            f("1", "CREDIT CARD PAYMENT", -600_000, 30, 15, "transfer"),
            f("3", "PAYMENT - THANK YOU", 600_000, 30, 15, "transfer"),
            f("2", "Business Saver Interest", 98_500, 30, 4, "interest"),
        ],
        extras: &[("AWS CLOUD SERVICES", "payment", 40_000, 180_000, 0.03, "3")],
    },
    Persona {
        login: "ashMann",
        password: "hooli2024",
        full_name: "Ash Mann",
        first: "Ash",
        last: "Mann",
        email: "ash.mann@example.com",
        phone: "0417 555 644",
        address: ("3/18 Station Street", "Parramatta", "NSW", "2150"),
        mfa: MfaKind::Token,
        accounts: &[
            acc(
                "1",
                "Everyday 80061",
                "transaction",
                "Everyday",
                31_275,
                31_275,
                0.7,
            ),
            acc(
                "2",
                "Credit Card 80062",
                "credit-card",
                "Low Rate Card",
                -281_900,
                18_100,
                0.3,
            ),
        ],
        flows: &[
            f(
                "1",
                "SALARY WAREHOUSE LOGISTICS",
                195_000,
                14,
                5,
                "direct-credit",
            ),
            f("1", "RENT - BPAY", -62_000, 14, 6, "payment"),
            f("1", "CREDIT CARD PAYMENT", -25_000, 30, 12, "transfer"),
            f("2", "PAYMENT - THANK YOU", 25_000, 30, 12, "transfer"),
        ],
        extras: &[
            ("SPORTSBET MELBOURNE", "payment", 2_000, 25_000, 0.25, "1"),
            ("TAB NSW", "payment", 1_000, 15_000, 0.15, "1"),
            ("LADBROKES AUSTRALIA", "payment", 5_000, 30_000, 0.08, "2"),
            (
                "ATM WITHDRAWAL - PARRAMATTA",
                "cash-withdrawal",
                5_000,
                40_000,
                0.15,
                "1",
            ),
            (
                "COINSPOT CRYPTO PURCHASE",
                "payment",
                10_000,
                80_000,
                0.06,
                "1",
            ),
            ("SWYFTX PTY LTD", "payment", 5_000, 50_000, 0.04, "1"),
        ],
    },
];

/// Everyday merchants: (description, class, ANZSIC code, title, min cents, max cents).
const MERCHANTS: &[(&str, &str, &str, &str, i64, i64)] = &[
    (
        "WOOLWORTHS 1234",
        "payment",
        "411",
        "Supermarket and Grocery Stores",
        1_500,
        21_000,
    ),
    (
        "COLES 0456",
        "payment",
        "411",
        "Supermarket and Grocery Stores",
        1_200,
        19_000,
    ),
    (
        "ALDI STORES",
        "payment",
        "411",
        "Supermarket and Grocery Stores",
        1_000,
        12_000,
    ),
    (
        "UBER *EATS",
        "payment",
        "451",
        "Cafes, Restaurants and Takeaway Food Services",
        1_800,
        6_500,
    ),
    (
        "GUZMAN Y GOMEZ",
        "payment",
        "451",
        "Cafes, Restaurants and Takeaway Food Services",
        1_200,
        3_500,
    ),
    (
        "SHELL COLES EXPRESS",
        "payment",
        "400",
        "Fuel Retailing",
        4_000,
        11_000,
    ),
    (
        "BP CONNECT",
        "payment",
        "400",
        "Fuel Retailing",
        3_500,
        10_000,
    ),
    (
        "JB HI-FI",
        "payment",
        "422",
        "Electrical and Electronic Goods Retailing",
        2_000,
        90_000,
    ),
    (
        "KMART",
        "payment",
        "426",
        "Department Stores",
        1_000,
        15_000,
    ),
    (
        "CHEMIST WAREHOUSE",
        "payment",
        "427",
        "Pharmaceutical and Other Store-Based Retailing",
        800,
        9_000,
    ),
    (
        "BUNNINGS WAREHOUSE",
        "payment",
        "423",
        "Hardware, Building and Garden Supplies Retailing",
        1_500,
        25_000,
    ),
    (
        "NETFLIX.COM",
        "payment",
        "551",
        "Motion Picture and Video Activities",
        1_699,
        1_699,
    ),
    (
        "TELSTRA PREPAID",
        "payment",
        "580",
        "Telecommunications Services",
        3_000,
        9_000,
    ),
    (
        "ORIGIN ENERGY",
        "payment",
        "261",
        "Electricity Generation",
        9_000,
        32_000,
    ),
    (
        "QANTAS AIRWAYS",
        "payment",
        "490",
        "Air and Space Transport",
        15_000,
        120_000,
    ),
    (
        "OPAL TRAVEL",
        "payment",
        "462",
        "Urban Bus Transport (Including Tramway)",
        500,
        5_000,
    ),
];

/// One generated account.
#[derive(Debug, Clone, PartialEq)]
pub struct GenAccount {
    /// Spec index in the persona.
    pub spec: usize,
    /// Transactions, newest first: (date, cents, description, class, subclass, balance after, pending).
    pub txns: Vec<GenTxn>,
    /// Earliest transaction date.
    pub from: NaiveDate,
}

/// One generated transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct GenTxn {
    /// Posting (or transaction) date.
    pub date: NaiveDate,
    /// Signed cents.
    pub cents: i64,
    /// Description.
    pub description: String,
    /// Class.
    pub class: &'static str,
    /// ANZSIC `(code, title)`.
    pub sub: Option<(&'static str, &'static str)>,
    /// Balance after this transaction, in cents.
    pub balance: i64,
    /// Pending (not yet posted).
    pub pending: bool,
}

/// Days of history generated.
pub const HISTORY_DAYS: i64 = 365;

/// Generates a persona's accounts and transactions, deterministic in `seed` and `today`.
pub fn generate(seed: u64, persona: &Persona, today: NaiveDate) -> Vec<GenAccount> {
    persona
        .accounts
        .iter()
        .enumerate()
        .map(|(ai, spec)| {
            let mut rng =
                ChaCha8Rng::seed_from_u64(det_hash(seed, &["txns", persona.login, spec.no]));
            let mut rows: Vec<GenTxn> = Vec::new();
            let push = |rows: &mut Vec<GenTxn>, date, cents, d: &str, class, sub, pending| {
                rows.push(GenTxn {
                    date,
                    cents,
                    description: d.to_string(),
                    class,
                    sub,
                    balance: 0,
                    pending,
                })
            };
            for fl in persona.flows.iter().filter(|fl| fl.account == spec.no) {
                let mut ago = fl.offset;
                while ago < HISTORY_DAYS {
                    let ok_since = fl.since == 0 || ago < fl.since;
                    let ok_until = fl.until == 0 || ago > fl.until;
                    if ok_since && ok_until {
                        let mut cents = fl.cents;
                        if fl.jitter > 0 {
                            let j = rng.random_range(-fl.jitter..=fl.jitter);
                            cents += cents * j / 100;
                        }
                        push(
                            &mut rows,
                            today - Days::days(ago),
                            cents,
                            fl.description,
                            fl.class,
                            None,
                            false,
                        );
                    }
                    ago += fl.every.max(1);
                }
            }
            for ago in 0..HISTORY_DAYS {
                let date = today - Days::days(ago);
                if spec.spend > 0.0 && rng.random_bool(spec.spend.clamp(0.0, 1.0)) {
                    let m = MERCHANTS[rng.random_range(0..MERCHANTS.len())];
                    let cents = -rng.random_range(m.4..=m.5);
                    let pending = ago < 2 && rng.random_bool(0.5);
                    push(&mut rows, date, cents, m.0, m.1, Some((m.2, m.3)), pending);
                }
                for x in persona.extras.iter().filter(|x| x.5 == spec.no) {
                    if rng.random_bool(x.4.clamp(0.0, 1.0)) {
                        let cents = -rng.random_range(x.2..=x.3);
                        push(&mut rows, date, cents, x.0, x.1, None, false);
                    }
                }
            }
            if spec.class == "transaction" {
                let mut ago = 27;
                while ago < HISTORY_DAYS {
                    push(
                        &mut rows,
                        today - Days::days(ago),
                        -500,
                        "MONTHLY ACCOUNT FEE",
                        "bank-fee",
                        None,
                        false,
                    );
                    ago += 30;
                }
            }
            // Pending first, then newest first; stable on description for ties.
            rows.sort_by(|a, b| {
                b.pending
                    .cmp(&a.pending)
                    .then(b.date.cmp(&a.date))
                    .then(a.description.cmp(&b.description))
                    .then(a.cents.cmp(&b.cents))
            });
            let mut bal = spec.balance;
            for r in rows.iter_mut() {
                r.balance = bal;
                if !r.pending {
                    bal -= r.cents;
                }
            }
            let from = rows.last().map(|r| r.date).unwrap_or(today);
            GenAccount {
                spec: ai,
                txns: rows,
                from,
            }
        })
        .collect()
}

/// Cents as Basiq's amount string (`-6081.50`).
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_formats() {
        assert_eq!(money(-608_150), "-6081.50");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(0), "0.00");
    }

    #[test]
    fn verdicts() {
        assert_eq!(verdict("Wentworth-Smith", "whislter"), Verdict::Ok(0));
        assert_eq!(verdict("bighead", "password"), Verdict::Locked);
        assert_eq!(verdict("erlich", "aviato"), Verdict::ActionRequired);
        assert_eq!(verdict("jianYang", "nothotdog"), Verdict::Unavailable);
        assert_eq!(verdict("jared", "wrong"), Verdict::BadCredentials);
    }

    #[test]
    fn generation_is_deterministic_and_balances_chain() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        for p in PERSONAS {
            let a = generate(5, p, today);
            assert_eq!(a, generate(5, p, today));
            for (acc, spec) in a.iter().zip(p.accounts) {
                if let Some(first) = acc.txns.first() {
                    assert_eq!(first.balance, spec.balance);
                }
                for w in acc.txns.windows(2) {
                    if !w[0].pending && !w[1].pending {
                        assert_eq!(w[1].balance, w[0].balance - w[0].cents);
                    }
                }
            }
        }
        assert_ne!(
            generate(5, &PERSONAS[0], today),
            generate(6, &PERSONAS[0], today)
        );
    }
}

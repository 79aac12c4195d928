//! The bank-connect app.

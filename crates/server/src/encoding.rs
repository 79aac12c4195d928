//! Content codings for `/api` bodies: which one a client accepts (`Accept-Encoding`), and the
//! one-off compression of a body that is served many times (the directory, once per ETag).

use std::io::Write;

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_ENCODING;

/// A content coding this server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// Brotli (`br`).
    Brotli,
    /// gzip.
    Gzip,
    /// No compression.
    Identity,
}

impl Coding {
    /// The `Content-Encoding` value (`None` for identity).
    pub fn header(self) -> Option<&'static str> {
        match self {
            Self::Brotli => Some("br"),
            Self::Gzip => Some("gzip"),
            Self::Identity => None,
        }
    }
}

/// The compressed codings a request accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// Brotli is accepted.
    pub brotli: bool,
    /// gzip is accepted.
    pub gzip: bool,
}

/// The best coding the request accepts: brotli, then gzip, else none. A coding with `q=0` is
/// refused; `*` stands for any coding not named.
pub fn preferred(headers: &HeaderMap) -> Coding {
    let accepted = accepted(headers);
    if accepted.brotli {
        Coding::Brotli
    } else if accepted.gzip {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

/// Which of brotli and gzip `Accept-Encoding` accepts (`q=0` refuses; `*` stands for any
/// coding not named).
pub fn accepted(headers: &HeaderMap) -> Accepted {
    let mut brotli = None;
    let mut gzip = None;
    let mut any = None;
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let accepted = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .all(|q| q.trim().parse::<f32>().is_ok_and(|q| q > 0.0));
            let slot = if name.eq_ignore_ascii_case("br") {
                &mut brotli
            } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                &mut gzip
            } else if name == "*" {
                &mut any
            } else {
                continue;
            };
            *slot = Some(accepted);
        }
    }
    Accepted {
        brotli: brotli.or(any) == Some(true),
        gzip: gzip.or(any) == Some(true),
    }
}

/// `bytes` compressed with brotli at its highest quality (worth it for a body sent many times).
pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 8);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        size_hint: bytes.len(),
        ..Default::default()
    };
    // Writing into a Vec cannot fail.
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
    out
}

/// `bytes` compressed with gzip at its highest level.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::best(),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use axum::http::HeaderValue;

    use super::*;

    fn accepting(values: &[&str]) -> Coding {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        preferred(&h)
    }

    #[test]
    fn brotli_first_then_gzip_then_none() {
        assert_eq!(accepting(&["gzip, deflate, br, zstd"]), Coding::Brotli);
        assert_eq!(accepting(&["gzip, deflate"]), Coding::Gzip);
        assert_eq!(accepting(&["GZIP"]), Coding::Gzip);
        assert_eq!(accepting(&["deflate"]), Coding::Identity);
        assert_eq!(accepting(&[]), Coding::Identity);
        assert_eq!(accepting(&["identity"]), Coding::Identity);
        assert_eq!(accepting(&["gzip", "br"]), Coding::Brotli);
    }

    #[test]
    fn q_zero_refuses_and_star_stands_for_the_rest() {
        assert_eq!(accepting(&["br;q=0, gzip;q=0.5"]), Coding::Gzip);
        assert_eq!(accepting(&["br; q=0, gzip; q=0"]), Coding::Identity);
        assert_eq!(accepting(&["*"]), Coding::Brotli);
        assert_eq!(accepting(&["br;q=0, *"]), Coding::Gzip);
        assert_eq!(accepting(&["*;q=0"]), Coding::Identity);
        assert_eq!(accepting(&["br;q=nonsense, gzip"]), Coding::Gzip);
    }

    #[test]
    fn both_codings_round_trip() {
        let body = "{\"institutions\":[".to_owned() + &"{\"id\":\"AU00000\"},".repeat(500) + "]}";
        let br = brotli(body.as_bytes());
        let gz = gzip(body.as_bytes());
        assert!(br.len() < body.len() / 10 && gz.len() < body.len() / 10);
        let mut out = String::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, body);
        out.clear();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, body);
    }
}

//! When the picker may spend the main thread on a row's new logo: not while the person types.

/// How long the search text must stay unchanged before a row's new image logo is drawn. An
/// (SVG) logo costs the main thread a task of several milliseconds, a key pressed meanwhile
/// waits for it, and a logo of a result the next key replaces is wasted; a person typing at
/// speed presses a key every 100–200 ms, so logos come once they pause.
pub const TYPING_QUIET_MS: f64 = 250.0;

/// How much longer a row's new logo waits at `now_ms`, when the search text last changed at
/// `last_change_ms` (`None`: not since the page opened); `None` when it may be drawn now.
/// A clock that went backwards counts as a change just now.
pub fn logo_wait_ms(now_ms: f64, last_change_ms: Option<f64>) -> Option<f64> {
    let last = last_change_ms?;
    let still = now_ms - last;
    if still.is_nan() {
        return None;
    }
    (still < TYPING_QUIET_MS).then(|| (TYPING_QUIET_MS - still.max(0.0)).max(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logo_is_drawn_at_once_before_any_typing() {
        assert_eq!(logo_wait_ms(1_000.0, None), None);
    }

    #[test]
    fn a_logo_waits_out_the_rest_of_the_quiet_period() {
        assert_eq!(logo_wait_ms(1_000.0, Some(1_000.0)), Some(TYPING_QUIET_MS));
        assert_eq!(logo_wait_ms(1_100.0, Some(1_000.0)), Some(150.0));
        assert_eq!(logo_wait_ms(1_249.5, Some(1_000.0)), Some(1.0));
    }

    #[test]
    fn once_the_text_has_been_still_long_enough_the_logo_is_drawn() {
        assert_eq!(logo_wait_ms(1_250.0, Some(1_000.0)), None);
        assert_eq!(logo_wait_ms(9_000.0, Some(1_000.0)), None);
    }

    #[test]
    fn a_clock_that_went_backwards_waits_a_whole_period_and_nan_never_blocks() {
        assert_eq!(logo_wait_ms(900.0, Some(1_000.0)), Some(TYPING_QUIET_MS));
        assert_eq!(logo_wait_ms(f64::NAN, Some(1_000.0)), None);
    }
}

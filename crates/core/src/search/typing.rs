//! When the picker may spend the main thread on what the person is not looking at (a row's new
//! logo, the rows below the listbox's fold): not while they type.

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

/// The most options the picker renders at once; typing narrows the rest.
pub const MAX_SHOWN: usize = 60;

/// Options each later pass adds, once the search text is quiet (see [`logo_wait_ms`]).
pub const ROWS_PER_PASS: usize = 8;

/// The fewest options a keystroke's frame renders, and the fewest CSS pixels an option takes
/// (a 40 px logo, 0.6 rem above and below it, a 1 px divider: 60 px at the default font size;
/// a little less, so a larger font only renders more than it shows).
const FIRST_PASS_MIN: usize = 8;
const OPTION_MIN_PX: f64 = 56.0;

/// The listbox's share of the window's height (`max-height: 55vh` in style/main.css).
const LISTBOX_VH: f64 = 0.55;

/// Options rendered in the frame of a keystroke in a window `viewport_px` CSS pixels tall: as
/// many as its listbox shows at once, so the rows below the fold can wait until the person
/// pauses (a later pass paints a frame, and a key pressed in the same frame interval then waits
/// for the next one). At least [`FIRST_PASS_MIN`], at most [`MAX_SHOWN`]; a height that is not a
/// finite positive number gives the minimum.
pub fn first_pass_rows(viewport_px: f64) -> usize {
    let rows = (viewport_px * LISTBOX_VH / OPTION_MIN_PX).ceil();
    if rows.is_finite() && rows > FIRST_PASS_MIN as f64 {
        (rows as usize).min(MAX_SHOWN)
    } else {
        FIRST_PASS_MIN
    }
}

/// Options shown after `passes` passes (the first, of `first` rows, included; none is zero).
pub fn rows_after(passes: usize, first: usize) -> usize {
    if passes == 0 {
        return 0;
    }
    first
        .saturating_add((passes - 1).saturating_mul(ROWS_PER_PASS))
        .min(MAX_SHOWN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_pass_fills_the_listbox_of_the_window() {
        // 55 % of 800 px holds 7.9 options of 56 px.
        assert_eq!(first_pass_rows(800.0), 8);
        assert_eq!(first_pass_rows(950.0), 10);
        assert_eq!(first_pass_rows(1_300.0), 13);
        assert_eq!(first_pass_rows(400.0), FIRST_PASS_MIN);
        assert_eq!(first_pass_rows(100_000.0), MAX_SHOWN);
    }

    #[test]
    fn a_height_that_is_no_height_gives_the_minimum() {
        for h in [0.0, -5.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(first_pass_rows(h), FIRST_PASS_MIN, "{h}");
        }
    }

    #[test]
    fn each_later_pass_adds_its_rows_up_to_the_most_shown() {
        assert_eq!(rows_after(0, 10), 0);
        assert_eq!(rows_after(1, 10), 10);
        assert_eq!(rows_after(2, 10), 10 + ROWS_PER_PASS);
        assert_eq!(rows_after(8, 10), MAX_SHOWN);
        assert_eq!(rows_after(usize::MAX, usize::MAX), MAX_SHOWN);
    }

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

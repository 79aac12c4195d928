//! The flow's side of a hand-off event: the hand-off's own machine, or a hand-off starting.

use super::{FlowEffect, FlowEvent, FlowState, Screen, effects};
use crate::handoff;

/// A hand-off event: fed to the hand-off's machine, or starting a hand-off from a screen
/// that may start one.
pub(super) fn handoff_step(state: FlowState, event: FlowEvent) -> (FlowState, Vec<FlowEffect>) {
    let before = Screen::of(&state);
    let (after, handoff_effects) = match (state, event) {
        (FlowState::Handoff(h), FlowEvent::Handoff(e)) => {
            let (h, effects) = handoff::next(h, e);
            (FlowState::Handoff(h), effects)
        }
        (
            state @ (FlowState::Idle
            | FlowState::Picking { .. }
            | FlowState::Succeeded(_)
            | FlowState::Failed(_)),
            FlowEvent::Handoff(e),
        ) => match handoff::enter(e) {
            Some((h, effects)) => (FlowState::Handoff(h), effects),
            None => (state, Vec::new()),
        },
        (state, _) => (state, Vec::new()),
    };
    let mut effects = effects::entering(&before, &after);
    effects.extend(handoff_effects.into_iter().map(FlowEffect::Handoff));
    (after, effects)
}

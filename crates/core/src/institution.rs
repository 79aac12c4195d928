//! An institution as the picker and the form show it: its status badge, whether it can be
//! chosen, and how long a connection usually takes.

use crate::directory::InstitutionSummary;

/// An institution's `status`, as the picker shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstitutionStatus {
    /// `operational`.
    Operational,
    /// `degraded-performance`: selectable, warned.
    Degraded,
    /// `under-maintenance`: selectable, warned.
    Maintenance,
    /// `partial-outage`: selectable, warned.
    PartialOutage,
    /// `major-outage`: shown disabled.
    MajorOutage,
    /// Anything else: treated as operational.
    Unknown,
}

impl InstitutionStatus {
    /// Reads Basiq's status string.
    pub fn parse(status: &str) -> Self {
        match status.trim() {
            "operational" => Self::Operational,
            "degraded-performance" => Self::Degraded,
            "under-maintenance" => Self::Maintenance,
            "partial-outage" => Self::PartialOutage,
            "major-outage" => Self::MajorOutage,
            _ => Self::Unknown,
        }
    }

    /// Whether the institution can be chosen.
    pub fn is_selectable(&self) -> bool {
        *self != Self::MajorOutage
    }

    /// Badge text, `None` when all is well.
    pub fn badge(&self) -> Option<&'static str> {
        match self {
            Self::Operational | Self::Unknown => None,
            Self::Degraded => Some("Slower than usual"),
            Self::Maintenance => Some("Under maintenance"),
            Self::PartialOutage => Some("Some problems reported"),
            Self::MajorOutage => Some("Unavailable right now"),
        }
    }
}

/// Whether the institution can be chosen (everything but a major outage).
pub fn is_selectable(institution: &InstitutionSummary) -> bool {
    InstitutionStatus::parse(&institution.status).is_selectable()
}

/// "Usually takes ~N s": the institution's average job duration in whole seconds, rounded up.
pub fn usual_seconds(institution: &InstitutionSummary) -> Option<u64> {
    institution
        .average_duration_ms
        .filter(|&ms| ms > 0)
        .map(|ms| ms.div_ceil(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outage_institutions_cannot_be_selected() {
        let mut down = InstitutionSummary::basic("AU00000", "Hooli Bank", "Hooli");
        down.status = "major-outage".into();
        assert!(!is_selectable(&down));
        down.status = "under-maintenance".into();
        assert!(is_selectable(&down));
        assert_eq!(
            InstitutionStatus::parse("under-maintenance").badge(),
            Some("Under maintenance")
        );
        assert_eq!(InstitutionStatus::parse("operational").badge(), None);
        assert_eq!(
            InstitutionStatus::parse("weird"),
            InstitutionStatus::Unknown
        );
    }

    #[test]
    fn usual_duration_in_whole_seconds() {
        let hooli = InstitutionSummary {
            average_duration_ms: Some(31_588),
            ..InstitutionSummary::basic("AU00000", "Hooli Bank", "Hooli")
        };
        assert_eq!(usual_seconds(&hooli), Some(32));
    }
}

//! Slots in the profile: each slot's sticky assignment, and this visitor's
//! views and clicks of each variant.

use crate::prelude::*;

use super::{Profile, MAX_OUTCOMES};

/// A slot's sticky assignment.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// The variant shown (`None`: the default).
    pub variant: Option<String>,
    /// Hash of the slot's config when decided: a new config decides again.
    pub config: u32,
    /// The probability the policy had of making this choice.
    pub propensity: f64,
}

impl Profile {
    /// The sticky assignment of `slot`.
    pub fn assignment(&self, slot: &str) -> Option<&Assignment> {
        self.slots.iter().find(|(s, _)| s == slot).map(|(_, a)| a)
    }

    /// Keeps `assignment` for `slot`.
    pub fn assign(&mut self, slot: &str, assignment: Assignment) {
        match self.slots.iter_mut().find(|(s, _)| s == slot) {
            Some(entry) => entry.1 = assignment,
            None => self.slots.push((slot.to_string(), assignment)),
        }
    }

    /// This visitor's views and clicks of `variant` in `slot`.
    pub fn outcome(&self, slot: &str, variant: &str) -> (u32, u32) {
        self.outcomes.iter().find(|(s, v, _, _)| s == slot && v == variant).map_or((0, 0), |o| (o.2, o.3))
    }

    /// Counts a view (`clicked: false`) or a click of `variant` in `slot`.
    pub fn count(&mut self, slot: &str, variant: &str, clicked: bool) {
        let i = match self.outcomes.iter().position(|(s, v, _, _)| s == slot && v == variant) {
            Some(i) => i,
            None => {
                if self.outcomes.len() >= MAX_OUTCOMES {
                    self.outcomes.remove(0);
                }
                self.outcomes.push((slot.to_string(), variant.to_string(), 0, 0));
                self.outcomes.len() - 1
            }
        };
        if clicked {
            self.outcomes[i].3 += 1;
        } else {
            self.outcomes[i].2 += 1;
        }
    }
}

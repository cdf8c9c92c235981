"""A cohort's module calendar and its breaks (holidays, half terms: nothing is nudged then)."""

"""Facilitators: their role, the cohort report (CSV and chart), the digest, nudging a pair."""

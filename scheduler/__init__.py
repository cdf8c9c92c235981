"""The clock process: decides from the database what is due, and sends each nudge once."""

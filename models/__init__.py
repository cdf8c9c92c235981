"""Buddy's domain: plain Python rules and their SQLAlchemy tables. Nothing here knows Slack."""

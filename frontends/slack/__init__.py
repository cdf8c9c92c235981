"""Slack's front end: drawing Buddy's documents as Block Kit, and Bolt's listeners."""

"""Slack listeners, one module per feature: parse the request, call models/, render views/."""

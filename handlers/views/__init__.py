"""Block Kit builders, one module per feature: pure functions of what to show, checked against
slack_sdk's models in the tests."""

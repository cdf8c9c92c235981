"""Microsoft Teams' front end: the Teams SDK for Python, Adaptive Cards, the Bot Connector."""

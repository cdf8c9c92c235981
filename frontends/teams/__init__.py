"""The Microsoft Teams front end (docs TEAMS.md).

The Teams SDK (`microsoft_teams.apps`) is imported by `sdk.py` alone, and only once Teams is set
up: importing it takes seconds and reads the environment. `inbound` is the `POST /api/messages`
shim the WSGI app calls, `listeners` what runs for an activity, `addresses` who and where people
are, `connector` sending from the clock and after an answer.
"""

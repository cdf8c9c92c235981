"""The Slack kit every feature uses: routing, answering, payloads, text, blocks, channels, errors.

Features call these; none of them rewrites Slack plumbing of its own.
"""

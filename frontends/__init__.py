"""Buddy's front ends: each draws what Buddy says for one chat platform and reads its requests."""

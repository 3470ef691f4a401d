"""Readers for exports users have: daily ad-platform reports and sales files."""

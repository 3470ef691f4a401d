"""The whole pipeline for one period.

data -> journeys -> MTA/MMM -> combine -> optimize -> report.
"""

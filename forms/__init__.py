"""The domain of gradedesk: canonical fields, validators, catalogue, rules.

This package imports none of the others; extractors and generators import it.
"""

"""The core every stage shares: record types, errors, settings, corpus reading, checks, BPE.

Nothing here imports another rater package; everything else may import from here.
"""

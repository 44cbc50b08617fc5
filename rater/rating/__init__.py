"""Rating: pairs in, decisions out. Pairing strategies, the decision rules, the journal and
the UI-free rating session that the TUI and `rater autorate` drive."""

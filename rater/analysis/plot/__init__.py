"""Pictures of what the analysis computed, for people who would rather look than read:
`chart` (a chart as data, drawn with plotext), and the charts of each report: `ranks`
(rank, ab-report), `sessions` (stats, the rating screen's live stats), `models` (model fit).
No textual here: the rating screen draws the same charts with textual-plotext's widget."""

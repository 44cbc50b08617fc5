"""The preference model: learns from the journal which sample *content* wins, scores samples
nobody rated, says how learnable the ratings are, and chooses informative pairs.

UI-free (nothing here imports textual) and read-only towards the journal. Content only:
titles, ids, sources and file names never reach the features (`content`). Heavy libraries
(numpy, scipy, scikit-learn) are imported inside the functions that use them.
"""

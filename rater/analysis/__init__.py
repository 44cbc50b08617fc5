"""What ratings become: Bradley-Terry ranks, win rates, statistics, rater agreement and the
training files (export). Reads ratings; never renders, never writes a journal."""

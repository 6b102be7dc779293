"""Signal traces: min/max envelopes drawn from a level-of-detail pyramid, a scrollable view."""

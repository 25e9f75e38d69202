"""The single window for charging-station permits: tracks, cases, agency reviews, deadlines."""

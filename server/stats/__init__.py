"""Statistics: the segments projection, figures, reports, exports and synthetic history."""

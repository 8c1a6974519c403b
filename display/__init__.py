"""Hall display page and the speaker agent (`hallq speaker`)."""

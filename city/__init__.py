"""The city: its dashboard app, mirrors of the halls' events, and the admin commands (docs/city.md)."""

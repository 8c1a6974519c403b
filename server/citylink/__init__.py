"""The city link: ships this hall's committed events to the city's PostgreSQL (docs/city.md)."""

"""SQLite storage: schema migrations, the single writer thread (group commit), and readers."""

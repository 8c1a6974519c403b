"""The queue rules: pure code. State, command and `now` in; events or a DomainError out.

Nothing in this package does I/O or reads a clock.
"""

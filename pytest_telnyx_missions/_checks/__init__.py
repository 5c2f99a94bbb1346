"""The checks asked of the journal: the diff engine, assertions, waiting."""

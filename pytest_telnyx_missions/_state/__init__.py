"""The store and every way to fill it: seeding, state documents, arranging."""

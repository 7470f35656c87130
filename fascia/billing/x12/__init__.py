"""The X12 837P out: a pure writer on plain data, its filling from the database, and pyx12's check."""

"""The X12 835 in: the pure parser, the code lists in words, and the posting service."""

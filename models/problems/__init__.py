"""Problems for community sessions: the seed's template, private drafts, posted cards."""

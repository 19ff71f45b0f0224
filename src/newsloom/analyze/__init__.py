"""Reading a story across its sources: entities and their spellings, who said what, claims and disputes, checks."""

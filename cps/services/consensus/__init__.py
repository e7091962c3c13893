"""The consensus map (premium): rounds, statements, votes and the opinion-group math
(docs/consensus.md)."""

"""Search: permission-aware full-text search over topic titles and post bodies (docs/search.md)."""

"""Discussion: topics, threaded posts, reactions, markdown, and what may be posted."""

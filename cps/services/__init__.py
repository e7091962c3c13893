"""Services: the rules. They know nothing of HTTP."""

"""Storage: engine, transactions with after-commit hooks, typed models."""

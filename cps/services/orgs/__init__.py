"""Organizations and their spaces: who holds which role where (access), who is
banned or muted (standing)."""

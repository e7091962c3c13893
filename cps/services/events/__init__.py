"""Events: the journal of live changes, the names of channels, notifying a person."""

"""Live subscriptions: who may follow a channel, and what the journal still
holds to resume or replay."""

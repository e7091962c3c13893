"""The rules: who may do what, tiers, moderation, sequencing. No HTTP here.

One package per domain, each with its own response models in `views.py`:

- `accounts`: sign-up, sign-in, sessions, passwords, display names
- `orgs`: organizations, spaces, roles and access, standing (bans and mutes)
- `tiers`: what each plan allows (entitlements and quotas)
- `upgrades`: upgrade requests, the platform's decisions, the history of tier changes
- `discussion`: topics, posts, questions to the organization, participation, reactions,
  markdown, what may be posted (admission)
- `officials`: who speaks for an organization
- `responsiveness`: the public reports on how organizations answer questions
- `audit`: the audit trail of moderation acts, and the public moderation log
- `moderation`: flags, hiding, review, appeals, sanctions, settings, the queue
- `polls`: polls in topics
- `reports`: analytics and exports
- `events`: the event journal, channel names, notifying a person
- `subscriptions`: who may follow a live channel, replay and resume

Shared by all: `context` (what every call needs), `errors` (the domain errors the
edge maps to the contract's envelope) and `views.View` (the base of every model).
Arrows point down only: edge -> services -> storage/broker (tests/architecture).
"""

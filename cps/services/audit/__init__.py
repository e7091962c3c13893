"""The audit trail: every moderation act, who did it, when and why; and its
public face, the moderation log readers of a space may see."""

"""Feed: what a home or organization page shows at a glance, in one answer."""

"""Live updates: the WebSocket endpoint over the broker."""

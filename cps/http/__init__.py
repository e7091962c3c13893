"""The edge: HTTP routes, authentication, the WebSocket endpoint, error mapping."""

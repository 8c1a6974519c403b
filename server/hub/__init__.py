"""The WebSocket hub (docs/protocol.md): authentication, subscriptions, ordered events, replay."""

"""Request handlers of nube-identity, one module per area."""

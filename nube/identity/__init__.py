"""nube-identity: a Keystone v3-compatible token service (see
doc/identity.md)."""

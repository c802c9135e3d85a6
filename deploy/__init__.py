"""Deployment files: ``python -m deploy.render`` writes their per-service parts
from ``contracts.platform.SERVICES`` (see deploy/README.md)."""

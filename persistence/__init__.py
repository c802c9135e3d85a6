"""Database plumbing shared by the services and the gateway: engines, migrations at start,
constraint naming and column types. It knows nothing of nameko or Flask."""

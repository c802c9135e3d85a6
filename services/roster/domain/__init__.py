"""The roster's rules, free of nameko and SQLAlchemy."""

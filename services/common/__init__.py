"""The service kernel shared by every nameko service: configuration, the database
unit of work, the transactional outbox and its relay, the inbox, and event handlers
that retry with back-off and then dead-letter."""

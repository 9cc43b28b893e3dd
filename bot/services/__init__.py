"""Domain services: plain async functions over a session, unaware of Telegram."""

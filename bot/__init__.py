"""partnerbot: a Telegram bot that keeps local digital-skills partnerships alive."""

__version__ = "0.1.0"

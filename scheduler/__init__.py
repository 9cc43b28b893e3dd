"""The scheduler: everything the bot sends on its own, at its time, once.

- `jobs`: the repeating job in python-telegram-bot's job queue, and the waker handlers call.
- `runner`: the `Dispatcher` — materialise due schedules, claim deliveries, send, record.
- `leases`: claims held while sending, renewed in the background.
- `policy`: per kind, what a timeout or a failure leads to, and when to try again.
- `senders`: one sender per kind of delivery — load (bot.services.deliveries), word
  (bot.presenters), send (bot.notifier).
- `outcomes`: what follows a missed delivery or a group the bot can no longer write to.

No SQL and no Telegram here (only `jobs` knows python-telegram-bot): queries live in
bot.services, and the Notifier raises its own exceptions.
"""

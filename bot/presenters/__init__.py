"""Presenters: the words and buttons of every message the bot sends on its own.

A presenter takes plain data (rows and service results, already loaded) and the recipient's
translations and locale, and returns a `Message`: HTML text and buttons. It knows nothing of
Telegram, the database or the delivery queue, so handlers reuse it and tests call it directly.
One module per kind of scheduled message; `export` names the columns of the spreadsheets.
"""

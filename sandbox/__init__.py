"""The sandbox: the real bot against a local Telegram, tried in a browser.

`sandbox.server`, `sandbox.spec` and `sandbox.updates` are the local Bot API server (it grew out
of the test suite's fake server and still validates every call against the official spec in
`sandbox/botapi/api.json`); the rest of the package is the web page around it.
"""

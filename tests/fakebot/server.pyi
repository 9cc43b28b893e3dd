# For mypy: tests/fakebot/__init__.py makes this module the sandbox's own at run time.
from sandbox.server import *  # noqa: F403

# For mypy: tests/fakebot/__init__.py makes this module the sandbox's own at run time.
from sandbox.spec import *  # noqa: F403

"""Unit tests run with real threads: importing nube.cmd (console scripts)
must not monkey-patch the test process with eventlet, or a test that
serves HTTP from a thread can stall the whole run."""

import os

os.environ.setdefault('NUBE_NO_MONKEY_PATCH', '1')

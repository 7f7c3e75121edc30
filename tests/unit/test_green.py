"""nube.green: the cached current_thread answers as eventlet's does."""

import os
import subprocess
import sys
import textwrap


def test_current_thread_matches_eventlet_everywhere():
    # A child process: it monkey-patches eventlet like the services do.
    script = textwrap.dedent('''
        import nube.cmd  # monkey-patches, installs the fast version
        import threading
        import eventlet
        from eventlet import tpool
        fast = threading.current_thread
        slow = fast._nube_slow
        seen = []

        def probe(tag):
            seen.append((tag, fast() is slow(), fast() is fast()))

        probe('main')
        eventlet.spawn(probe, 'greenthread').wait()
        eventlet.spawn_n(probe, 'spawn_n')
        eventlet.sleep(0.01)
        t = threading.Thread(target=probe, args=('thread',))
        t.start()
        t.join()
        seen.append(('tpool', tpool.execute(lambda: fast() is slow()),
                     True))
        seen.append(('named', t.name != fast().name, True))
        print(seen)
        assert all(same and stable for _tag, same, stable in seen), seen
        assert len(seen) == 6, seen
    ''')
    env = {k: v for k, v in os.environ.items()
           if k != 'NUBE_NO_MONKEY_PATCH'}
    result = subprocess.run([sys.executable, '-c', script],
                            capture_output=True, text=True, timeout=60,
                            env=env)
    assert result.returncode == 0, result.stderr + result.stdout

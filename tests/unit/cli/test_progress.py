"""Progress bars: drawn on a TTY or when forced, throttled, one line."""

import io

from nube.cli import progress
from tests.unit.cli import fakes


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_enabled_modes():
    tty, pipe = fakes.TTYStringIO(), io.StringIO()
    assert progress.enabled('auto', tty) is True
    assert progress.enabled('auto', pipe) is False
    assert progress.enabled('always', pipe) is True
    assert progress.enabled('never', tty) is False


def test_human_bytes():
    assert progress.human_bytes(12) == '12 B'
    assert progress.human_bytes(1536) == '1.5 KiB'
    assert progress.human_bytes(3 * 1024 ** 3) == '3.0 GiB'


def test_transfer_bar_draws_throttles_and_ends_line():
    stream, clock = io.StringIO(), Clock()
    bar = progress.TransferBar('Up', stream, True, clock=clock)
    bar(0, 1000)
    clock.now += 0.01
    bar(100, 1000)            # too soon: skipped
    clock.now += 1
    bar(500, 1000)
    bar(1000, 1000)           # complete: always drawn
    bar.finish()
    text = stream.getvalue()
    frames = text.split('\r')[1:]
    assert len(frames) == 3
    assert '  0%' in frames[0] and ' 50%' in frames[1]
    assert '100%' in frames[2] and '1000 B/1000 B' in frames[2]
    assert '#' * progress.WIDTH in frames[2]
    assert text.endswith('\n') and text.count('\n') == 1


def test_transfer_bar_without_total():
    stream = io.StringIO()
    bar = progress.TransferBar('Down', stream, True, clock=Clock())
    bar(2048, None)
    assert '2.0 KiB' in stream.getvalue()
    assert '%' not in stream.getvalue()


def test_inactive_bar_writes_nothing():
    stream = io.StringIO()
    with progress.TransferBar('Up', stream, False) as bar:
        bar(5, 10)
    assert stream.getvalue() == ''


def test_server_bar_shows_status_and_task():
    stream, clock = io.StringIO(), Clock()
    with progress.ServerBar('Creating web1', stream, True,
                            clock=clock) as bar:
        bar(None, {'status': 'BUILD',
                   'OS-EXT-STS:task_state': 'spawning'})
        clock.now += 1
        bar(40, {'status': 'BUILD'})
    frames = stream.getvalue().split('\r')[1:]
    assert 'BUILD (spawning)' in frames[0] and '%' not in frames[0]
    assert ' 40%' in frames[1]
    assert stream.getvalue().endswith('\n')

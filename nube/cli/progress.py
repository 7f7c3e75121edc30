"""Progress bars on stderr for image transfers and server waits.

Drawn only when stderr is a terminal, unless forced with --progress (or
suppressed with --no-progress), so pipes and logs stay clean. Redraws are
throttled; the bar never writes to stdout, which may carry data (image
download to stdout) or machine-readable output.
"""

import time

WIDTH = 28
MIN_INTERVAL = 0.1


def enabled(mode, stream):
    """Whether to draw: mode is 'always', 'never' or 'auto' (a TTY)."""
    if mode == 'always':
        return True
    if mode == 'never':
        return False
    isatty = getattr(stream, 'isatty', None)
    return bool(isatty and isatty())


def human_bytes(count):
    value = float(count)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if value < 1024 or unit == 'TiB':
            return ('%d %s' % (value, unit) if unit == 'B'
                    else '%.1f %s' % (value, unit))
        value /= 1024
    return '%d B' % count  # pragma: no cover


def _bar(fraction):
    fraction = min(max(fraction, 0.0), 1.0)
    filled = int(round(fraction * WIDTH))
    return '[' + '#' * filled + '-' * (WIDTH - filled) + ']'


class _Bar:
    """A single line redrawn in place with carriage returns."""

    def __init__(self, label, stream, active, clock=time.monotonic):
        self.label = label
        self.stream = stream
        self.active = active
        self.clock = clock
        self.started = clock()
        self._last_draw = None
        self._width = 0
        self.drawn = False

    def _draw(self, text, force=False):
        if not self.active:
            return
        now = self.clock()
        if (not force and self._last_draw is not None
                and now - self._last_draw < MIN_INTERVAL):
            return
        self._last_draw = now
        pad = max(self._width - len(text), 0)
        self._width = len(text)
        self.stream.write('\r' + text + ' ' * pad)
        self.stream.flush()
        self.drawn = True

    def finish(self):
        """End the line (called once, success or failure)."""
        if self.active and self.drawn:
            self.stream.write('\n')
            self.stream.flush()
        self.active = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.finish()
        return False


class TransferBar(_Bar):
    """Bytes moved so far out of an optional total: callback(done, total)."""

    def __call__(self, done, total=None):
        self.update(done, total)

    def update(self, done, total=None, force=False):
        elapsed = max(self.clock() - self.started, 1e-6)
        rate = '%s/s' % human_bytes(done / elapsed)
        if total:
            fraction = done / total
            text = '%s %s %3d%% %s/%s %s' % (
                self.label, _bar(fraction), int(fraction * 100),
                human_bytes(done), human_bytes(total), rate)
        else:
            text = '%s %s %s' % (self.label, human_bytes(done), rate)
        self._draw(text, force=force or (total and done >= total))


class ServerBar(_Bar):
    """A server's status while waiting: callback(percent_or_None, server).
    """

    def __call__(self, percent, server=None):
        self.update(percent, server)

    def update(self, percent, server=None, force=False):
        server = server or {}
        status = server.get('status') or '?'
        task = server.get('OS-EXT-STS:task_state')
        state = status + (' (%s)' % task if task else '')
        elapsed = int(self.clock() - self.started)
        if percent is None:
            text = '%s %s %ds' % (self.label, state, elapsed)
        else:
            text = '%s %s %3d%% %s %ds' % (
                self.label, _bar(percent / 100.0), int(percent), state,
                elapsed)
        self._draw(text, force=force)

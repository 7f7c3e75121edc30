"""Image data as a stream of chunks: read, capped, hashed on the way.

Nothing here holds more than a few chunks, whatever the image size. Under
eventlet the two digests run in native threads (hashlib releases the GIL
for large buffers), overlapping each other, the socket reads and the store
writes: md5 and sha512 cost more CPU than the rest of the data path
together (doc/performance.md, "Image throughput").
"""

import hashlib

from nube import exception

HASH_ALGO = 'sha512'
_OFFLOAD_MIN = 64 * 1024


class ImageSizeExceeded(exception.NubeException):
    msg_fmt = 'Image exceeds the storage quota: %(cap)s bytes allowed.'
    code = 413


class IncompleteUpload(exception.Invalid):
    msg_fmt = ('Image data ended after %(got)s of %(expected)s bytes: the '
               'upload was cut off.')


def read_chunks(fileobj, chunk_size, expected_size=None):
    """Chunks read from a file-like (wsgi.input): never the whole body.

    With ``expected_size`` (Content-Length), data that ends early raises
    IncompleteUpload; so does a read error on a chunked body that breaks
    off (eventlet raises ValueError/IOError on a truncated chunk).
    """
    got = 0
    while expected_size is None or got < expected_size:
        want = chunk_size if expected_size is None else min(
            chunk_size, expected_size - got)
        try:
            chunk = fileobj.read(want)
        except (IOError, ValueError) as exc:
            raise IncompleteUpload(got=got, expected=expected_size or '?',
                                   message='Image data could not be read '
                                           'after %s bytes: %s' % (got, exc))
        if not chunk:
            break
        got += len(chunk)
        yield chunk
    if expected_size is not None and got < expected_size:
        raise IncompleteUpload(got=got, expected=expected_size)


def limited(chunks, cap):
    """Pass chunks through; ImageSizeExceeded once more than cap came."""
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > cap:
            raise ImageSizeExceeded(cap=cap)
        yield chunk


def _offload_possible():
    try:
        from eventlet import patcher
    except ImportError:
        return False
    return patcher.is_monkey_patched('socket')


class _HashThread:
    """One digest updated by a native thread from a bounded queue.

    The green side never blocks the eventlet hub: it hands chunks over
    with put_nowait and naps (green) while the queue is full, which is
    also what bounds memory to ``depth`` chunks.
    """

    def __init__(self, digest, depth=4):
        from eventlet import patcher

        self.digest = digest
        queue = patcher.original('queue')
        self._queue = queue.Queue(depth)
        self._full = queue.Full
        self._done = patcher.original('threading').Event()
        thread = patcher.original('threading').Thread(
            target=self._run, name='image-hash', daemon=True)
        thread.start()

    def _run(self):
        try:
            while True:
                chunk = self._queue.get()
                if chunk is None:
                    return
                self.digest.update(chunk)
        finally:
            self._done.set()

    def put(self, chunk):
        import eventlet

        while True:
            try:
                self._queue.put_nowait(chunk)
                return
            except self._full:
                eventlet.sleep(0.0005)

    def finish(self):
        import eventlet

        self.put(None)
        while not self._done.is_set():
            eventlet.sleep(0.0005)


class _Digests:
    """md5 + sha512 of a stream. Under eventlet each digest runs in its
    own native thread (a pipeline: socket reads, store writes and both
    digests overlap); otherwise inline."""

    def __init__(self, offload=None):
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha = hashlib.new(HASH_ALGO)
        self._offload = _offload_possible() if offload is None else offload
        self._threads = None

    def update(self, chunk):
        if self._offload and len(chunk) >= _OFFLOAD_MIN:
            if self._threads is None:
                self._threads = (_HashThread(self.md5),
                                 _HashThread(self.sha))
            for thread in self._threads:
                thread.put(chunk)
            return
        self.finish()
        self.md5.update(chunk)
        self.sha.update(chunk)

    def finish(self):
        """Wait for queued chunks; the digests are complete after it."""
        threads, self._threads = self._threads, None
        for thread in threads or ():
            thread.finish()

    def hexdigests(self):
        self.finish()
        return self.md5.hexdigest(), self.sha.hexdigest()


class HashingIterator:
    """Iterate chunks while counting them and computing both digests."""

    def __init__(self, chunks, offload=None):
        self._chunks = iter(chunks)
        self._digests = _Digests(offload)
        self.size = 0

    def __iter__(self):
        return self

    def __next__(self):
        chunk = next(self._chunks)
        if chunk:
            self.size += len(chunk)
            self._digests.update(chunk)
        return chunk

    def hexdigests(self):
        """(md5, sha512) hex digests of everything iterated so far."""
        return self._digests.hexdigests()

    def close(self):
        """Stop helper threads (after a failure mid-stream)."""
        self._digests.finish()


class ChunkReader:
    """A file-like ``read(n)`` over an iterator of chunks, for clients
    (swiftclient, requests) that pull data themselves. ``limit`` stops it
    after that many bytes (one Swift segment; ``reset_limit`` starts the
    next); ``at_end()`` tells whether the source is used up."""

    def __init__(self, chunks, limit=None):
        self._chunks = iter(chunks)
        self._buffer = b''
        self._offset = 0
        self._exhausted = False
        self.limit = limit
        self.sent = 0

    def reset_limit(self, limit):
        self.limit = limit
        self.sent = 0

    def _fill(self):
        while self._offset >= len(self._buffer) and not self._exhausted:
            try:
                self._buffer = next(self._chunks)
                self._offset = 0
            except StopIteration:
                self._exhausted = True
                self._buffer = b''
                self._offset = 0

    def at_end(self):
        """True when no byte is left (may pull one chunk to find out)."""
        self._fill()
        return self._exhausted and self._offset >= len(self._buffer)

    def read(self, size=-1):
        room = None if self.limit is None else self.limit - self.sent
        if room is not None and room <= 0:
            return b''
        self._fill()
        available = len(self._buffer) - self._offset
        if available <= 0:
            return b''
        want = available if size is None or size < 0 else min(size,
                                                                available)
        if room is not None:
            want = min(want, room)
        if self._offset == 0 and want == len(self._buffer):
            data = self._buffer
        else:
            data = self._buffer[self._offset:self._offset + want]
        self._offset += want
        self.sent += want
        return data

    def __iter__(self):
        while True:
            data = self.read()
            if not data:
                return
            yield data

"""Streaming helpers: in-stream hashes, the size cap, cut-off bodies."""

import hashlib
import io

import pytest

from nube.image.stores import streaming


def _chunks(data, size):
    return [data[i:i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize('offload', [False, True])
def test_hashing_iterator_matches_hashlib(offload):
    data = bytes(range(256)) * 4099   # not a multiple of the chunk size
    it = streaming.HashingIterator(_chunks(data, 65536 + 7), offload=offload)
    assert b''.join(it) == data
    md5, sha = it.hexdigests()
    assert it.size == len(data)
    assert md5 == hashlib.md5(data).hexdigest()
    assert sha == hashlib.sha512(data).hexdigest()


def test_hashing_of_nothing():
    it = streaming.HashingIterator([])
    assert list(it) == []
    assert it.hexdigests() == (hashlib.md5(b'').hexdigest(),
                               hashlib.sha512(b'').hexdigest())
    assert it.size == 0


def test_size_cap_allows_exact_and_refuses_one_more():
    data = b'x' * 1000
    assert b''.join(streaming.limited(_chunks(data, 300), 1000)) == data
    got = []
    with pytest.raises(streaming.ImageSizeExceeded) as err:
        for chunk in streaming.limited(_chunks(data + b'y', 300), 1000):
            got.append(chunk)
    assert err.value.code == 413
    # The chunk that crossed the cap is never handed on.
    assert sum(len(c) for c in got) == 900


def test_read_chunks_reads_in_chunk_size_pieces():
    source = io.BytesIO(b'a' * 2500)
    chunks = list(streaming.read_chunks(source, 1000, expected_size=2500))
    assert [len(c) for c in chunks] == [1000, 1000, 500]


def test_read_chunks_without_length_reads_to_eof():
    chunks = list(streaming.read_chunks(io.BytesIO(b'b' * 2100), 1000))
    assert [len(c) for c in chunks] == [1000, 1000, 100]


def test_read_chunks_cut_off_raises():
    with pytest.raises(streaming.IncompleteUpload) as err:
        list(streaming.read_chunks(io.BytesIO(b'c' * 700), 256,
                                   expected_size=1000))
    assert '700 of 1000' in str(err.value)


def test_read_chunks_broken_chunked_body_raises():
    class Broken:
        def __init__(self):
            self.calls = 0

        def read(self, size):
            self.calls += 1
            if self.calls > 2:
                raise ValueError('invalid literal for int() with base 16')
            return b'd' * size

    with pytest.raises(streaming.IncompleteUpload):
        list(streaming.read_chunks(Broken(), 10))


def test_chunk_reader_limits_and_resumes():
    reader = streaming.ChunkReader([b'abc', b'defgh', b'ij'], limit=4)
    assert reader.read(100) == b'abc'
    assert reader.read(100) == b'd'
    assert reader.read(100) == b''      # limit reached
    assert not reader.at_end()
    reader.reset_limit(100)
    assert b''.join(iter(reader)) == b'efghij'
    assert reader.at_end()
    assert reader.read() == b''


def test_chunk_reader_small_reads_of_a_big_chunk():
    data = bytes(range(256)) * 100
    reader = streaming.ChunkReader([data])
    out = []
    while True:
        piece = reader.read(999)
        if not piece:
            break
        assert len(piece) <= 999
        out.append(piece)
    assert b''.join(out) == data

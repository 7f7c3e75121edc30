"""private_directory: where QEMU's own user would be stopped."""

import os

from nube.compute.virt.libvirt import driver as lv_driver


def test_searchable_path_has_no_private_directory(tmp_path):
    path = tmp_path / 'a' / 'b'
    path.mkdir(parents=True)
    for p in (path, path.parent, tmp_path):
        os.chmod(p, 0o755)
    private = lv_driver.private_directory(str(path))
    # Only tmp_path's own parents may be private (pytest makes them 0700).
    assert private not in (str(path), str(path.parent), str(tmp_path))
    assert private is None or str(tmp_path).startswith(private + '/')


def test_first_private_directory_is_named(tmp_path):
    outer = tmp_path / 'outer'
    inner = outer / 'inner' / 'instances'
    inner.mkdir(parents=True)
    os.chmod(inner, 0o755)
    os.chmod(inner.parent, 0o700)
    os.chmod(outer, 0o755)
    assert lv_driver.private_directory(str(inner)) == str(inner.parent)


def test_missing_directories_count_as_searchable(tmp_path):
    os.chmod(tmp_path, 0o700)
    missing = tmp_path / 'not' / 'yet'
    assert lv_driver.private_directory(str(missing)) == str(tmp_path)

import datetime

from oslo_config import fixture as config_fixture
import pytest

import nube.conf
from nube.scheduler import host_state
from tests.unit import scheduler as fakes

CONF = nube.conf.CONF


@pytest.fixture
def conf():
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    yield fixture
    fixture.cleanUp()


def test_from_dicts_copies_node_and_computes_free_capacity():
    h = fakes.fake_host(
        'node-a', cell_uuid='cell-x', vcpus=8, vcpus_used=6,
        cpu_allocation_ratio=4.0, memory_mb=16384, memory_mb_used=4096,
        reserved_memory_mb=512, ram_allocation_ratio=1.5, local_gb=100,
        local_gb_used=30, reserved_disk_mb=2048, disk_allocation_ratio=2.0,
        running_vms=3, generation=7, id=42)
    assert (h.host, h.nodename, h.cell_uuid) == ('node-a', 'node-a', 'cell-x')
    assert h.compute_node_id == 42
    assert h.compute_node_uuid == 'cn-node-a'
    assert h.free_vcpus == 8 * 4.0 - 6
    assert h.free_ram_mb == 16384 * 1.5 - 512 - 4096
    assert h.free_disk_mb == 100 * 1024 * 2.0 - 2048 - 30 * 1024
    assert h.running_vms == 3
    assert h.generation == 7
    assert h.updated == fakes.NOW_STR
    assert h.hypervisor_type == 'QEMU'
    assert h.hypervisor_version == 8000000
    assert h.supported_instances == (('x86_64', 'qemu', 'hvm'),)
    assert h.instances == set()


def test_missing_ratios_mean_no_overcommit():
    h = fakes.fake_host(cpu_allocation_ratio=None, ram_allocation_ratio=0,
                        vcpus=4, memory_mb=1000)
    assert h.free_vcpus == 4
    assert h.free_ram_mb == 1000


def test_supported_instances_accepts_a_list():
    h = fakes.fake_host(supported_instances=[['X86_64', 'KVM', 'HVM']])
    assert h.supported_instances == (('x86_64', 'kvm', 'hvm'),)


def test_availability_zone_from_aggregate_metadata():
    aggs = [{'id': 1, 'name': 'rack1', 'metadata': {'ssd': 'true'}},
            {'id': 2, 'name': 'az', 'metadata': {'availability_zone': 'z1'}}]
    h = fakes.fake_host(aggregates=aggs)
    assert h.availability_zone == 'z1'
    assert h.aggregates == [{'ssd': 'true'}, {'availability_zone': 'z1'}]


def test_availability_zone_accepts_bare_metadata_dicts():
    h = fakes.fake_host(aggregates=[{'availability_zone': 'z2'}])
    assert h.availability_zone == 'z2'


def test_availability_zone_defaults_from_config(conf):
    conf.config(default_availability_zone='elsewhere')
    h = fakes.fake_host(aggregates=[{'metadata': {'ssd': 'true'}}])
    assert h.availability_zone == 'elsewhere'


def test_service_up_when_heartbeat_is_recent():
    h = fakes.fake_host(svc={'last_seen_up': '2030-01-01T11:59:30Z'})
    assert h.service_alive and h.service_up
    assert not h.service_disabled


def test_service_down_when_heartbeat_is_stale(conf):
    conf.config(service_down_time=60)
    h = fakes.fake_host(svc={'last_seen_up': '2030-01-01T11:58:59Z'})
    assert not h.service_alive
    assert not h.service_up


def test_service_falls_back_to_updated_at():
    h = fakes.fake_host(svc={'last_seen_up': None,
                             'updated_at': '2030-01-01T11:59:59Z'})
    assert h.service_up
    h = fakes.fake_host(svc={'last_seen_up': None,
                             'updated_at': '2029-01-01T00:00:00Z'})
    assert not h.service_up


def test_forced_down_service_is_down():
    h = fakes.fake_host(svc={'forced_down': True})
    assert not h.service_alive
    assert not h.service_up


def test_disabled_service_is_alive_but_not_up():
    h = fakes.fake_host(svc={'disabled': True, 'disabled_reason': 'maint'})
    assert h.service_alive
    assert h.service_disabled
    assert h.disabled_reason == 'maint'
    assert not h.service_up


def test_no_service_record_means_down():
    h = host_state.HostState.from_dicts(fakes.compute_node(), None,
                                        now=fakes.NOW)
    assert not h.service_up


def test_service_is_up_accepts_datetimes():
    svc = fakes.service(last_seen_up=fakes.NOW - datetime.timedelta(
        seconds=5))
    assert host_state.service_is_up(svc, now=fakes.NOW)
    assert not host_state.service_is_up(
        svc, now=fakes.NOW + datetime.timedelta(hours=1))


def test_consume_updates_usage_and_instances():
    h = fakes.fake_host(vcpus=8, memory_mb=8192, local_gb=100,
                        instances=['existing'])
    before = (h.free_vcpus, h.free_ram_mb, h.free_disk_mb, h.running_vms)
    f = fakes.flavor(memory_mb=2048, vcpus=2, root_gb=10, ephemeral_gb=5,
                     swap=512)
    h.consume(f, instance_uuid='new-uuid', generation=9)
    assert h.free_vcpus == before[0] - 2
    assert h.free_ram_mb == before[1] - 2048
    assert h.free_disk_mb == before[2] - (15 * 1024 + 512)
    assert h.running_vms == before[3] + 1
    assert h.instances == {'existing', 'new-uuid'}
    assert h.generation == 9
    h.unconsume(f, instance_uuid='new-uuid')
    assert (h.free_vcpus, h.free_ram_mb, h.free_disk_mb,
            h.running_vms) == before
    assert h.instances == {'existing'}


def test_disk_mb_for_counts_root_ephemeral_and_swap():
    assert host_state.disk_mb_for(
        {'root_gb': 2, 'ephemeral_gb': 3, 'swap': 256}) == 5 * 1024 + 256
    assert host_state.disk_mb_for({}) == 0

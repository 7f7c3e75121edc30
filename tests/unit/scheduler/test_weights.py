from oslo_config import fixture as config_fixture
import pytest

import nube.conf
from nube.scheduler import weights
from nube.scheduler.weights import cpu
from nube.scheduler.weights import disk
from nube.scheduler.weights import ram
from tests.unit import scheduler as fakes

CONF = nube.conf.CONF


@pytest.fixture
def conf():
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    yield fixture
    fixture.cleanUp()


def _hosts():
    # big_ram: most free RAM, least CPU/disk; many_cpus: most free vCPUs.
    return [
        fakes.fake_host('small', memory_mb=4096, vcpus=4, local_gb=100),
        fakes.fake_host('big_ram', memory_mb=65536, vcpus=2, local_gb=50),
        fakes.fake_host('many_cpus', memory_mb=8192, vcpus=64, local_gb=80),
        fakes.fake_host('big_disk', memory_mb=2048, vcpus=3, local_gb=2000),
    ]


def _winner(weighers, hosts=None):
    return weights.get_weighed_hosts(weighers, hosts or _hosts(),
                                     fakes.spec())[0][1].host


def _loser(weighers):
    return weights.get_weighed_hosts(weighers, _hosts(),
                                     fakes.spec())[-1][1].host


def test_normalize_min_max():
    assert weights.normalize([10, 20, 15]) == [0.0, 1.0, 0.5]
    assert weights.normalize([-4, 4]) == [0.0, 1.0]
    assert weights.normalize([7, 7, 7]) == [0.0, 0.0, 0.0]
    assert weights.normalize([]) == []


def test_raw_weights_are_free_amounts():
    host = fakes.fake_host(memory_mb=4096, memory_mb_used=1024, vcpus=4,
                           vcpus_used=1, local_gb=10, local_gb_used=2)
    request = fakes.spec()
    assert ram.RAMWeigher()._weigh_object(host, request) == 3072
    assert cpu.CPUWeigher()._weigh_object(host, request) == 3
    assert disk.DiskWeigher()._weigh_object(host, request) == 8 * 1024
    assert ram.RAMWeigher().weigh_all([host, host], request) == [3072, 3072]


@pytest.mark.parametrize('cls,spreads_to,packs_to,option', [
    (ram.RAMWeigher, 'big_ram', 'big_disk', 'ram_weight_multiplier'),
    (cpu.CPUWeigher, 'many_cpus', 'big_ram', 'cpu_weight_multiplier'),
    (disk.DiskWeigher, 'big_disk', 'big_ram', 'disk_weight_multiplier'),
])
def test_positive_multiplier_spreads_negative_packs(conf, cls, spreads_to,
                                                    packs_to, option):
    assert _winner([cls()]) == spreads_to
    assert _loser([cls()]) == packs_to
    conf.config(group='filter_scheduler', **{option: -1.0})
    assert _winner([cls()]) == packs_to
    assert _loser([cls()]) == spreads_to


def test_weights_are_normalised_then_multiplied_and_summed(conf):
    hosts = _hosts()
    loaded = weights.load_weighers(['RAMWeigher', 'CPUWeigher'])
    totals = weights.weigh_hosts(loaded, hosts, fakes.spec())
    ram_norm = weights.normalize([h.free_ram_mb for h in hosts])
    cpu_norm = weights.normalize([h.free_vcpus for h in hosts])
    assert totals == pytest.approx([r + c for r, c in zip(ram_norm,
                                                         cpu_norm)])
    conf.config(group='filter_scheduler', ram_weight_multiplier=3.0,
                cpu_weight_multiplier=0.5)
    totals = weights.weigh_hosts(loaded, hosts, fakes.spec())
    assert totals == pytest.approx([3 * r + 0.5 * c for r, c in zip(
        ram_norm, cpu_norm)])
    # Normalised, so the huge MB numbers do not drown the vCPU numbers:
    conf.config(group='filter_scheduler', ram_weight_multiplier=1.0,
                cpu_weight_multiplier=2.0)
    assert _winner(loaded) == 'many_cpus'
    conf.config(group='filter_scheduler', ram_weight_multiplier=2.0,
                cpu_weight_multiplier=1.0)
    assert _winner(loaded) == 'big_ram'


def test_zero_multiplier_disables_a_weigher(conf):
    conf.config(group='filter_scheduler', ram_weight_multiplier=0.0)
    loaded = weights.load_weighers(['RAMWeigher'])
    assert weights.weigh_hosts(loaded, _hosts(), fakes.spec()) == [0.0] * 4


def test_equal_hosts_weigh_zero_and_keep_order():
    hosts = [fakes.fake_host('h%d' % i) for i in range(3)]
    loaded = weights.load_weighers(['RAMWeigher', 'CPUWeigher',
                                    'DiskWeigher'])
    weighed = weights.get_weighed_hosts(loaded, hosts, fakes.spec())
    assert [w for w, _ in weighed] == [0.0, 0.0, 0.0]
    assert [h.host for _, h in weighed] == ['h0', 'h1', 'h2']


def test_unknown_weigher_name_is_a_clear_error():
    with pytest.raises(weights.WeigherNotFound) as info:
        weights.load_weighers(['RAMWeigher', 'GPUWeigher'])
    assert 'GPUWeigher' in str(info.value)
    assert 'RAMWeigher' in str(info.value).split('Available:')[1]


def test_custom_weigher_uses_weigh_object():
    class ByName(weights.BaseHostWeigher):
        def _weigh_object(self, host_state, spec):
            return int(host_state.host[1:])

    hosts = [fakes.fake_host('h%d' % i) for i in (3, 9, 1)]
    assert _winner([ByName()], hosts) == 'h9'

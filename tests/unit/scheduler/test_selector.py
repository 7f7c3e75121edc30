import random

from oslo_config import fixture as config_fixture
import pytest

from nube import exception
import nube.conf
from nube.scheduler import filters
from nube.scheduler import selector
from tests.unit import scheduler as fakes

CONF = nube.conf.CONF


@pytest.fixture
def conf():
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    yield fixture
    fixture.cleanUp()


def _names(hosts):
    return [h.host for h in hosts]


def _equal_hosts(count, **kw):
    return [fakes.fake_host('h%d' % i, **kw) for i in range(count)]


def test_loads_configured_plugins_once(conf):
    conf.config(group='filter_scheduler',
                enabled_filters=['ComputeFilter', 'ResourceFilter'],
                weight_classes=['RAMWeigher'])
    sel = selector.HostSelector()
    assert [f.name for f in sel.filters] == ['ComputeFilter',
                                             'ResourceFilter']
    assert [w.name for w in sel.weighers] == ['RAMWeigher']


def test_unknown_filter_in_config_fails_at_start(conf):
    conf.config(group='filter_scheduler',
                enabled_filters=['ComputeFilter', 'RamFilter'])
    with pytest.raises(filters.FilterNotFound) as info:
        selector.HostSelector()
    assert 'RamFilter' in str(info.value)


def test_single_instance_goes_to_the_emptiest_host():
    hosts = [fakes.fake_host('small', memory_mb=2048),
             fakes.fake_host('big', memory_mb=32768),
             fakes.fake_host('mid', memory_mb=8192)]
    result = selector.HostSelector().select(hosts, fakes.spec())
    assert len(result) == 1
    assert _names(result[0]) == ['big']


def test_multi_create_spreads_via_consume():
    hosts = _equal_hosts(3, memory_mb=8192, vcpus=8, local_gb=100)
    request = fakes.spec(fakes.flavor(memory_mb=2048, vcpus=2),
                         num_instances=3, instance_uuids=['u0', 'u1', 'u2'])
    result = selector.HostSelector().select(hosts, request)
    assert sorted(_names(sel[0] for sel in result)) == ['h0', 'h1', 'h2']
    for sel in result:
        assert sel[0].free_ram_mb == 8192 - 2048
        assert sel[0].running_vms == 1


def test_negative_multipliers_pack_a_multi_create(conf):
    conf.config(group='filter_scheduler', ram_weight_multiplier=-1.0,
                cpu_weight_multiplier=-1.0, disk_weight_multiplier=-1.0)
    hosts = _equal_hosts(3, memory_mb=8192, vcpus=8, local_gb=100)
    request = fakes.spec(fakes.flavor(memory_mb=2048, vcpus=2),
                         num_instances=4)
    result = selector.HostSelector().select(hosts, request)
    chosen = _names(sel[0] for sel in result)
    assert len(set(chosen)) == 1
    assert hosts[[h.host for h in hosts].index(chosen[0])].free_ram_mb == 0


def test_multi_create_moves_on_when_a_host_fills(conf):
    conf.config(group='filter_scheduler', ram_weight_multiplier=-1.0,
                cpu_weight_multiplier=-1.0, disk_weight_multiplier=-1.0)
    hosts = [fakes.fake_host('tight', memory_mb=2048),
             fakes.fake_host('roomy', memory_mb=16384)]
    request = fakes.spec(fakes.flavor(memory_mb=1024), num_instances=4)
    result = selector.HostSelector().select(hosts, request)
    assert _names(sel[0] for sel in result) == ['tight', 'tight', 'roomy',
                                                'roomy']


def test_num_instances_comes_from_spec_by_default():
    hosts = _equal_hosts(2)
    result = selector.HostSelector().select(
        hosts, fakes.spec(num_instances=2))
    assert len(result) == 2


def test_no_valid_host_names_the_filter_and_counts():
    hosts = _equal_hosts(3, memory_mb=1024)
    request = fakes.spec(fakes.flavor(memory_mb=4096))
    with pytest.raises(exception.NoValidHost) as info:
        selector.HostSelector().select(hosts, request)
    assert str(info.value) == (
        'No valid host was found. There are not enough hosts available. '
        'Filter results: ComputeFilter (start: 3, end: 3), '
        'AvailabilityZoneFilter (start: 3, end: 3), '
        'ResourceFilter (start: 3, end: 0)')


def test_no_valid_host_for_a_later_instance_undoes_consumption():
    hosts = _equal_hosts(2, memory_mb=2048)
    request = fakes.spec(fakes.flavor(memory_mb=2048), num_instances=3,
                         instance_uuids=['a', 'b', 'c'])
    with pytest.raises(exception.NoValidHost) as info:
        selector.HostSelector().select(hosts, request)
    # The third instance starts from the one host left after the second.
    assert str(info.value).endswith(
        'Filter results: ComputeFilter (start: 1, end: 1), '
        'AvailabilityZoneFilter (start: 1, end: 1), '
        'ResourceFilter (start: 1, end: 0)')
    for h in hosts:
        assert h.free_ram_mb == 2048
        assert h.running_vms == 0
        assert h.instances == set()


def test_alternates_exclude_chosen_best_first_same_cell():
    hosts = [fakes.fake_host('a1', cell_uuid='A', memory_mb=4096),
             fakes.fake_host('b1', cell_uuid='B', memory_mb=32768),
             fakes.fake_host('a2', cell_uuid='A', memory_mb=8192),
             fakes.fake_host('b2', cell_uuid='B', memory_mb=16384),
             fakes.fake_host('b3', cell_uuid='B', memory_mb=2048),
             fakes.fake_host('b4', cell_uuid='B', memory_mb=1024)]
    result = selector.HostSelector().select(hosts, fakes.spec(),
                                            max_alternates=2)
    assert _names(result[0]) == ['b1', 'b2', 'b3']


def test_alternates_per_instance_and_fewer_when_short():
    hosts = _equal_hosts(2, memory_mb=8192)
    result = selector.HostSelector().select(
        hosts, fakes.spec(num_instances=2), max_alternates=5)
    for sel in result:
        assert len(sel) == 2
        assert sel[0] is not sel[1]
    assert {sel[0].host for sel in result} == {'h0', 'h1'}


def test_no_alternates_by_default():
    result = selector.HostSelector().select(_equal_hosts(3), fakes.spec())
    assert len(result[0]) == 1


def test_host_subset_size_picks_among_the_best_n(conf):
    conf.config(group='filter_scheduler', host_subset_size=2)
    sel = selector.HostSelector()
    sel._random = random.Random(1)
    chosen = set()
    for _ in range(40):
        hosts = [fakes.fake_host('best', memory_mb=32768),
                 fakes.fake_host('second', memory_mb=16384),
                 fakes.fake_host('third', memory_mb=8192)]
        chosen.add(sel.select(hosts, fakes.spec())[0][0].host)
    assert chosen == {'best', 'second'}


def test_filters_that_need_not_repeat_run_once_per_request():
    calls = []

    class Once(filters.BaseHostFilter):
        run_filter_for_each_instance = False

        def filter_all(self, host_states, spec):
            calls.append(len(host_states))
            return list(host_states)

    sel = selector.HostSelector(filter_names=['ResourceFilter'])
    sel.filters.insert(0, Once())
    sel.select(_equal_hosts(3), fakes.spec(num_instances=3))
    assert calls == [3]


def test_hosts_failing_once_only_filters_stay_out_for_later_instances():
    hosts = _equal_hosts(2) + [fakes.fake_host('down', memory_mb=65536,
                                               svc={'disabled': True})]
    result = selector.HostSelector().select(hosts,
                                            fakes.spec(num_instances=4))
    assert 'down' not in _names(sel[0] for sel in result)


def test_force_hosts_skip_filters_but_not_capacity():
    hosts = [fakes.fake_host('h0', memory_mb=32768),
             fakes.fake_host('off', svc={'disabled': True}, memory_mb=2048)]
    sel = selector.HostSelector()
    result = sel.select(hosts, fakes.spec(force_hosts=['off']))
    assert _names(result[0]) == ['off']
    with pytest.raises(exception.NoValidHost) as info:
        sel.select(hosts, fakes.spec(fakes.flavor(memory_mb=4096),
                                     force_hosts='off'))
    assert 'ResourceFilter (start: 1, end: 0)' in str(info.value)
    with pytest.raises(exception.NoValidHost) as info:
        sel.select(hosts, fakes.spec(force_hosts=['ghost']))
    assert 'No such host - host: ghost' in str(info.value)


def test_ignore_hosts_are_never_chosen():
    hosts = [fakes.fake_host('best', memory_mb=32768),
             fakes.fake_host('other', memory_mb=2048)]
    result = selector.HostSelector().select(
        hosts, fakes.spec(ignore_hosts=['best']), max_alternates=3)
    assert _names(result[0]) == ['other']


def test_request_filters_apply_end_to_end():
    hosts = [
        fakes.fake_host('z2', memory_mb=65536,
                        aggregates=[{'availability_zone': 'z2'}]),
        fakes.fake_host('arm', memory_mb=32768,
                        supported_instances=[['aarch64', 'kvm', 'hvm']]),
        fakes.fake_host('busy', memory_mb=16384, instances={'peer'}),
        fakes.fake_host('ok', memory_mb=4096),
    ]
    request = fakes.spec(availability_zone='nova',
                         image_props={'hw_architecture': 'x86_64'},
                         hints={'different_host': 'peer'})
    result = selector.HostSelector().select(hosts, request, max_alternates=3)
    assert _names(result[0]) == ['ok']

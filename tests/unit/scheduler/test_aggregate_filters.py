"""Extra-spec matching, the aggregate and capabilities filters, aggregate
allocation ratios on host states, and chance selection."""

import collections
import configparser
import os

from oslo_config import fixture as config_fixture
import pytest

import nube.conf
from nube.scheduler.filters import aggregate_filters
from nube.scheduler.filters import compute_capabilities_filter
from nube.scheduler.filters import extra_specs_ops as ops
from nube.scheduler.filters import resource_filter
from nube.scheduler import manager
from nube.scheduler import selector
from tests.unit import scheduler as fakes

CONF = nube.conf.CONF


@pytest.fixture
def conf():
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    yield fixture
    fixture.cleanUp()


@pytest.mark.parametrize('value,requirement,expected', [
    ('true', 'true', True),
    ('True', 'true', False),
    ('4', '= 4', True),
    ('8', '= 4', True),
    ('2', '= 4', False),
    ('4.0', '== 4', True),
    ('5', '!= 4', True),
    ('3', '>= 4', False),
    ('3', '<= 4', True),
    ('abc', '= 4', False),          # not a number: no match, no error
    ('abc', 's== abc', True),
    ('abd', 's> abc', True),
    ('abb', 's< abc', True),
    ('abc', 's!= abc', False),
    ('abc', 's<= abc', True),
    ('abc', 's>= abd', False),
    ('ssd,nvme', '<in> nvme', True),
    ('hdd', '<in> ssd', False),
    ('avx avx2 sse', '<all-in> avx2 sse', True),
    ('avx sse', '<all-in> avx2 sse', False),
    ('b', '<or> a <or> b <or> c', True),
    ('d', '<or> a <or> b <or> c', False),
    (None, '<or> a', False),
    (None, '= 1', False),
    ('1', '>=', False),             # an operator with no operand
    ('>=', '>=', False),
    ('', '', True),
])
def test_extra_spec_operators(value, requirement, expected):
    assert ops.match(value, requirement) is expected


def _agg(**meta):
    return {'metadata': meta}


def _spec(**extra_specs):
    flavor = fakes.flavor()
    flavor['extra_specs'] = extra_specs
    return fakes.spec(flavor)


def test_aggregate_extra_specs_scoped_and_unscoped():
    f = aggregate_filters.AggregateInstanceExtraSpecsFilter()
    ssd = fakes.fake_host('ssd', aggregates=[_agg(ssd='true', gpus='4')])
    plain = fakes.fake_host('plain')
    both = fakes.fake_host('both', aggregates=[_agg(ssd='false'),
                                               _agg(ssd='true')])
    hosts = [ssd, plain, both]
    assert f.filter_all(hosts, _spec()) == hosts
    assert f.filter_all(hosts, _spec(ssd='true')) == [ssd, both]
    assert f.filter_all(hosts, _spec(**{
        'aggregate_instance_extra_specs:ssd': 'true',
        'aggregate_instance_extra_specs:gpus': '>= 2'})) == [ssd]
    # Other scopes are not this filter's.
    assert f.filter_all(hosts, _spec(**{'hw:cpu_policy': 'dedicated',
                                        'capabilities:x': 'y'})) == hosts
    assert [f.host_passes(h, _spec(ssd='true')) for h in hosts] == \
        [True, False, True]


def test_aggregate_values_split_on_commas():
    f = aggregate_filters.AggregateInstanceExtraSpecsFilter()
    host = fakes.fake_host(aggregates=[_agg(tier='gold, silver')])
    assert f.filter_all([host], _spec(tier='silver')) == [host]
    assert f.filter_all([host], _spec(tier='<or> bronze <or> gold')) == \
        [host]
    assert f.filter_all([host], _spec(tier='bronze')) == []


def test_aggregate_filter_matches_each_aggregate_once(monkeypatch):
    f = aggregate_filters.AggregateInstanceExtraSpecsFilter()
    shared = {'ssd': 'true'}
    other = {'ssd': 'false'}
    hosts = [fakes.fake_host('h%d' % i, aggregates=[shared, other])
             for i in range(50)] + [fakes.fake_host('lone',
                                                   aggregates=[other])]
    calls = collections.Counter()
    real = aggregate_filters._mask

    def counting(meta, wanted):
        calls[id(meta)] += 1
        return real(meta, wanted)

    monkeypatch.setattr(aggregate_filters, '_mask', counting)
    assert f.filter_all(hosts, _spec(ssd='true')) == hosts[:50]
    assert sorted(calls.values()) == [1, 1]


def test_requirements_met_by_different_aggregates():
    f = aggregate_filters.AggregateInstanceExtraSpecsFilter()
    host = fakes.fake_host(aggregates=[_agg(ssd='true'), _agg(gpus='4')])
    assert f.filter_all([host], _spec(ssd='true', gpus='>= 2')) == [host]
    assert f.filter_all([host], _spec(ssd='true', gpus='>= 8')) == []


def test_compute_capabilities():
    f = compute_capabilities_filter.ComputeCapabilitiesFilter()
    qemu = fakes.fake_host('qemu')
    xen = fakes.fake_host('xen', hypervisor_type='xen',
                          hypervisor_version=4000000)
    hosts = [qemu, xen]
    assert f.filter_all(hosts, _spec(
        **{'capabilities:hypervisor_type': 's== QEMU'})) == [qemu]
    assert f.filter_all(hosts, _spec(
        **{'capabilities:hypervisor_version': '>= 5000000'})) == [qemu]
    # Unscoped: counts when the host state has that attribute.
    assert f.filter_all(hosts, _spec(hypervisor_type='xen')) == [xen]
    assert f.filter_all(hosts, _spec(no_such_attribute='x')) == hosts
    # A named capability the host lacks fails it.
    assert f.filter_all(hosts, _spec(
        **{'capabilities:no_such': '1'})) == []
    assert f.filter_all(hosts, _spec(
        **{'capabilities:_recompute_free': 'x'})) == []
    assert f.filter_all(hosts, _spec(ssd='true', **{
        'aggregate_instance_extra_specs:x': 'y'})) == hosts
    assert f.host_passes(xen, _spec(hypervisor_type='xen'))


def test_capabilities_walk_json_and_dicts():
    f = compute_capabilities_filter.ComputeCapabilitiesFilter()
    host = fakes.fake_host()
    host.cpu_info = '{"arch": "x86_64", "features": {"avx2": "yes"}}'
    assert f.filter_all([host], _spec(
        **{'capabilities:cpu_info:arch': 'x86_64'})) == [host]
    assert f.filter_all([host], _spec(
        **{'capabilities:cpu_info:features:avx2': 'yes'})) == [host]
    host.cpu_info = 'not json'
    assert f.filter_all([host], _spec(
        **{'capabilities:cpu_info:arch': 'x86_64'})) == []


def test_filters_are_entry_points():
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(os.path.dirname(__file__), '..', '..', '..',
                          'setup.cfg'))
    text = cfg['entry_points']['nube.scheduler.filters']
    assert ('aggregate_filters:AggregateInstanceExtraSpecsFilter' in text)
    assert ('compute_capabilities_filter:ComputeCapabilitiesFilter' in text)


# -- aggregate allocation ratios ------------------------------------------

def test_aggregate_ratios_override_the_nodes_smallest_wins():
    host = fakes.fake_host(vcpus=4, cpu_allocation_ratio=16.0,
                           memory_mb=1000, ram_allocation_ratio=1.5)
    assert host.free_vcpus == 64
    host.update_aggregates([_agg(cpu_allocation_ratio='2.0'),
                            _agg(cpu_allocation_ratio='3', other='x'),
                            _agg(disk_allocation_ratio='bad')])
    assert host.cpu_allocation_ratio == 2.0
    assert host.free_vcpus == 8
    assert host.ram_allocation_ratio == 1.5      # the node's
    assert host.disk_allocation_ratio == 1.0     # unparseable: ignored
    assert host.aggregate_ratios == (2.0, None, None)
    # A node refresh keeps the aggregate's ratio.
    host.update_from_compute_node(fakes.compute_node(
        vcpus=4, cpu_allocation_ratio=16.0))
    assert host.free_vcpus == 8
    host.update_aggregates([])
    assert host.free_vcpus == 64
    assert host.aggregate_ratios == (None, None, None)


def test_resource_filter_uses_aggregate_ratio():
    f = resource_filter.ResourceFilter()
    host = fakes.fake_host(vcpus=2, cpu_allocation_ratio=1.0)
    spec = fakes.spec(fakes.flavor(vcpus=4))
    assert f.filter_all([host], spec) == []
    host.update_aggregates([_agg(cpu_allocation_ratio='2')])
    assert f.filter_all([host], spec) == [host]


def test_node_dict_carries_aggregate_ratios():
    host = fakes.fake_host(aggregates=[_agg(ram_allocation_ratio='1.5')])
    node = manager._node_dict(host)
    assert node['ram_allocation_ratio'] == 1.5
    assert node['cpu_allocation_ratio'] is None
    assert node['disk_allocation_ratio'] is None


# -- chance selection --------------------------------------------------------

def _selector():
    return selector.HostSelector(filter_names=['ComputeFilter',
                                               'ResourceFilter'],
                                 weigher_names=['RAMWeigher'])


def test_chance_picks_any_passing_host_and_skips_weighers(conf):
    conf.config(group='scheduler', selection='chance')
    sel = _selector()
    sel._random.seed(7)
    hosts = [fakes.fake_host('big', memory_mb=65536)] + [
        fakes.fake_host('h%d' % i) for i in range(9)] + [
        fakes.fake_host('down', svc={'disabled': True})]
    chosen = collections.Counter()
    for _ in range(300):
        selection = sel.select(hosts, fakes.spec(fakes.flavor(
            memory_mb=1)), max_alternates=2)[0]
        chosen[selection[0].host] += 1
        assert len(selection) == 3
        assert len({h.host for h in selection}) == 3
        selection[0].unconsume(fakes.flavor(memory_mb=1))
    assert 'down' not in chosen
    # Every passing host gets picked; weighing would always pick 'big'.
    assert set(chosen) == {'big'} | {'h%d' % i for i in range(9)}
    assert chosen['big'] < 100


def test_filter_weigher_is_the_default(conf):
    assert CONF.scheduler.selection == 'filter_weigher'
    sel = _selector()
    hosts = [fakes.fake_host('h%d' % i) for i in range(5)] + [
        fakes.fake_host('big', memory_mb=65536)]
    for _ in range(5):
        assert sel.select(hosts, fakes.spec())[0][0].host == 'big'


def test_chance_still_filters(conf):
    conf.config(group='scheduler', selection='chance')
    sel = _selector()
    hosts = [fakes.fake_host('small', memory_mb=512),
             fakes.fake_host('fits', memory_mb=4096)]
    for _ in range(20):
        chosen = sel.select(hosts, fakes.spec(fakes.flavor(
            memory_mb=1024)))[0][0]
        assert chosen.host == 'fits'
        chosen.unconsume(fakes.flavor(memory_mb=1024))

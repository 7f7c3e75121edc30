import random

import pytest

from nube import exception
from nube.scheduler import filters
from nube.scheduler.filters import affinity_filter
from nube.scheduler.filters import availability_zone_filter
from nube.scheduler.filters import compute_filter
from nube.scheduler.filters import image_props_filter
from nube.scheduler.filters import resource_filter
from tests.unit import scheduler as fakes

X86_KVM = [['x86_64', 'kvm', 'hvm']]


def _passes(filter_obj, host, request):
    """host_passes and filter_all must agree; return the answer."""
    single = filter_obj.host_passes(host, request)
    assert filter_obj.filter_all([host], request) == ([host] if single
                                                      else [])
    return single


# -- ComputeFilter -----------------------------------------------------------

def test_compute_filter_passes_up_and_enabled():
    assert _passes(compute_filter.ComputeFilter(), fakes.fake_host(),
                   fakes.spec())


@pytest.mark.parametrize('svc', [
    {'disabled': True},
    {'forced_down': True},
    {'last_seen_up': '2029-12-31T00:00:00Z'},
])
def test_compute_filter_fails_disabled_or_down(svc):
    assert not _passes(compute_filter.ComputeFilter(),
                       fakes.fake_host(svc=svc), fakes.spec())


# -- ResourceFilter ----------------------------------------------------------

def test_resource_filter_passes_when_it_fits_exactly():
    host = fakes.fake_host(vcpus=2, memory_mb=2048, local_gb=20)
    request = fakes.spec(fakes.flavor(memory_mb=2048, vcpus=2, root_gb=20))
    assert _passes(resource_filter.ResourceFilter(), host, request)


@pytest.mark.parametrize('flavor', [
    fakes.flavor(vcpus=3),
    fakes.flavor(memory_mb=2049),
    fakes.flavor(root_gb=20, ephemeral_gb=1),
    fakes.flavor(root_gb=20, swap=1),
])
def test_resource_filter_fails_each_resource(flavor):
    host = fakes.fake_host(vcpus=2, memory_mb=2048, local_gb=20)
    assert not _passes(resource_filter.ResourceFilter(), host,
                       fakes.spec(flavor))


def test_resource_filter_applies_allocation_ratios():
    flt = resource_filter.ResourceFilter()
    request = fakes.spec(fakes.flavor(vcpus=8, memory_mb=3000, root_gb=30))
    plain = fakes.fake_host(vcpus=4, memory_mb=2048, local_gb=20)
    assert not _passes(flt, plain, request)
    overcommitted = fakes.fake_host(
        vcpus=4, memory_mb=2048, local_gb=20, cpu_allocation_ratio=2.0,
        ram_allocation_ratio=1.5, disk_allocation_ratio=1.5)
    assert _passes(flt, overcommitted, request)


def test_resource_filter_subtracts_reserved_and_used():
    flt = resource_filter.ResourceFilter()
    request = fakes.spec(fakes.flavor(memory_mb=1024, root_gb=10))
    assert _passes(flt, fakes.fake_host(memory_mb=2048,
                                        reserved_memory_mb=1024), request)
    assert not _passes(flt, fakes.fake_host(
        memory_mb=2048, reserved_memory_mb=512, memory_mb_used=600), request)
    assert not _passes(flt, fakes.fake_host(
        local_gb=20, local_gb_used=5, reserved_disk_mb=6 * 1024), request)


def test_resource_filter_sees_consumed_usage():
    flt = resource_filter.ResourceFilter()
    host = fakes.fake_host(vcpus=4, memory_mb=2048, local_gb=100)
    request = fakes.spec(fakes.flavor(memory_mb=1024, vcpus=1))
    host.consume(request['flavor'])
    assert _passes(flt, host, request)
    host.consume(request['flavor'])
    assert not _passes(flt, host, request)


# -- AvailabilityZoneFilter --------------------------------------------------

def test_az_filter():
    flt = availability_zone_filter.AvailabilityZoneFilter()
    in_z1 = fakes.fake_host(aggregates=[{'metadata': {
        'availability_zone': 'z1'}}])
    default = fakes.fake_host()
    assert _passes(flt, in_z1, fakes.spec())
    assert _passes(flt, in_z1, fakes.spec(availability_zone='z1'))
    assert not _passes(flt, in_z1, fakes.spec(availability_zone='z2'))
    assert not _passes(flt, default, fakes.spec(availability_zone='z1'))
    assert _passes(flt, default, fakes.spec(availability_zone='nova'))


# -- ImagePropertiesFilter ---------------------------------------------------

def _img(props):
    return fakes.spec(image_props=props)


def test_image_props_no_request_passes_even_without_supported_instances():
    flt = image_props_filter.ImagePropertiesFilter()
    bare = fakes.fake_host(supported_instances=None)
    assert _passes(flt, bare, _img({}))
    assert _passes(flt, bare, _img({'img_hv_requested_version': '>=9'}))
    assert not _passes(flt, bare, _img({'hw_architecture': 'x86_64'}))


@pytest.mark.parametrize('props,ok', [
    ({'hw_architecture': 'x86_64'}, True),
    ({'architecture': 'x86_64'}, True),
    ({'hw_architecture': 'amd64'}, True),
    ({'hw_architecture': 'aarch64'}, False),
    ({'img_hv_type': 'kvm'}, True),
    ({'hypervisor_type': 'KVM'}, True),
    ({'img_hv_type': 'xen'}, False),
    ({'hw_vm_mode': 'hvm'}, True),
    ({'vm_mode': 'hv'}, True),
    ({'hw_vm_mode': 'exe'}, False),
    ({'hw_architecture': 'x86_64', 'img_hv_type': 'kvm',
      'hw_vm_mode': 'hvm'}, True),
    ({'hw_architecture': 'x86_64', 'img_hv_type': 'qemu'}, False),
])
def test_image_props_matches_supported_instances(props, ok):
    flt = image_props_filter.ImagePropertiesFilter()
    host = fakes.fake_host(supported_instances=X86_KVM)
    assert _passes(flt, host, _img(props)) is ok


def test_image_props_i386_is_i686():
    flt = image_props_filter.ImagePropertiesFilter()
    host = fakes.fake_host(supported_instances=[['i686', 'qemu', 'hvm']])
    assert _passes(flt, host, _img({'hw_architecture': 'i386'}))


def test_image_props_any_triple_may_match():
    flt = image_props_filter.ImagePropertiesFilter()
    host = fakes.fake_host(supported_instances=[
        ['x86_64', 'kvm', 'hvm'], ['aarch64', 'qemu', 'hvm']])
    assert _passes(flt, host, _img({'hw_architecture': 'aarch64',
                                    'img_hv_type': 'qemu'}))
    assert not _passes(flt, host, _img({'hw_architecture': 'aarch64',
                                        'img_hv_type': 'kvm'}))


@pytest.mark.parametrize('version,requirement,ok', [
    (8000000, '>=6.0', True),
    (8000000, '>= 6.0, < 8.0', False),
    (8001002, '>=8.1.2', True),
    (8001002, '>8.1.2', False),
    (6000000, '==6.0', True),
    (6000000, '!=6.0.0', False),
    (0, '>=100', True),
    (8000000, 'newest please', False),
])
def test_image_props_hypervisor_version(version, requirement, ok):
    flt = image_props_filter.ImagePropertiesFilter()
    host = fakes.fake_host(supported_instances=X86_KVM,
                           hypervisor_version=version)
    props = {'hw_architecture': 'x86_64',
             'img_hv_requested_version': requirement}
    assert _passes(flt, host, _img(props)) is ok
    legacy = {'architecture': 'x86_64',
              'hypervisor_version_requires': requirement}
    assert _passes(flt, host, _img(legacy)) is ok


def test_image_props_filter_all_caches_per_host_kind():
    flt = image_props_filter.ImagePropertiesFilter()
    hosts = [fakes.fake_host('h%d' % i, supported_instances=(
        X86_KVM if i % 2 else [['aarch64', 'kvm', 'hvm']])) for i in range(6)]
    passed = flt.filter_all(hosts, _img({'hw_architecture': 'aarch64'}))
    assert [h.host for h in passed] == ['h0', 'h2', 'h4']


# -- SameHost / DifferentHost ------------------------------------------------

def test_same_host_filter():
    flt = affinity_filter.SameHostFilter()
    host = fakes.fake_host(instances={'a', 'b'})
    assert _passes(flt, host, fakes.spec())
    assert _passes(flt, host, fakes.spec(hints={'same_host': 'a'}))
    assert _passes(flt, host, fakes.spec(hints={'same_host': ['x', 'b']}))
    assert not _passes(flt, host, fakes.spec(hints={'same_host': 'x'}))
    assert not _passes(flt, host, fakes.spec(hints={'same_host': ['x']}))


def test_different_host_filter():
    flt = affinity_filter.DifferentHostFilter()
    host = fakes.fake_host(instances={'a', 'b'})
    assert _passes(flt, host, fakes.spec())
    assert _passes(flt, host, fakes.spec(hints={'different_host': 'x'}))
    assert not _passes(flt, host, fakes.spec(hints={'different_host': 'a'}))
    assert not _passes(flt, host, fakes.spec(
        hints={'different_host': ['x', 'b']}))


# -- every filter's list path agrees with its per-host path ------------------

def test_filter_all_agrees_with_host_passes_on_random_hosts():
    rnd = random.Random(7)
    hosts = []
    for i in range(200):
        hosts.append(fakes.fake_host(
            'h%d' % i, vcpus=rnd.randint(1, 8),
            memory_mb=rnd.choice([1024, 2048, 4096]),
            local_gb=rnd.choice([10, 20, 40]),
            supported_instances=rnd.choice([X86_KVM, [], None]),
            aggregates=[{'availability_zone': rnd.choice(['z1', 'z2'])}],
            instances={'u%d' % rnd.randint(0, 20)},
            svc={'disabled': rnd.random() < 0.2}))
    request = fakes.spec(
        fakes.flavor(memory_mb=2048, vcpus=2, root_gb=20),
        image_props={'hw_architecture': 'x86_64'}, availability_zone='z1',
        hints={'same_host': ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'],
               'different_host': 'u4'})
    for name in ('ComputeFilter', 'ResourceFilter', 'AvailabilityZoneFilter',
                 'ImagePropertiesFilter', 'SameHostFilter',
                 'DifferentHostFilter'):
        flt = filters.load_filters([name])[0]
        expected = [h for h in hosts if flt.host_passes(h, request)]
        assert flt.filter_all(hosts, request) == expected
        assert 0 < len(expected) < len(hosts), name


# -- loading and the handler -------------------------------------------------

def test_load_filters_in_configured_order():
    loaded = filters.load_filters(['ResourceFilter', 'ComputeFilter'])
    assert [f.name for f in loaded] == ['ResourceFilter', 'ComputeFilter']
    assert isinstance(loaded[1], compute_filter.ComputeFilter)


def test_unknown_filter_name_is_a_clear_error():
    with pytest.raises(filters.FilterNotFound) as info:
        filters.load_filters(['ComputeFilter', 'NoSuchFilter'])
    message = str(info.value)
    assert 'NoSuchFilter' in message
    assert 'nube.scheduler.filters' in message
    assert 'ComputeFilter' in message.split('Available:')[1]


class _Counting(filters.BaseHostFilter):
    def __init__(self, keep, per_instance=True):
        self.keep = keep
        self.run_filter_for_each_instance = per_instance
        self.calls = 0

    def host_passes(self, host_state, spec):
        self.calls += 1
        return host_state.host in self.keep


def test_handler_records_counts_and_stops_at_empty():
    hosts = [fakes.fake_host('h%d' % i) for i in range(3)]
    first = _Counting({'h0', 'h1', 'h2'})
    second = _Counting({'h1'})
    third = _Counting(set())
    fourth = _Counting({'h1'})
    passed, results = filters.get_filtered_hosts(
        [first, second, third, fourth], hosts, fakes.spec())
    assert passed == []
    assert [(r.name, r.start, r.end) for r in results] == [
        ('_Counting', 3, 3), ('_Counting', 3, 1), ('_Counting', 1, 0)]
    assert fourth.calls == 0


def test_handler_skips_once_only_filters_after_first_instance():
    hosts = [fakes.fake_host('h%d' % i) for i in range(3)]
    once = _Counting({'h0'}, per_instance=False)
    always = _Counting({'h0', 'h1', 'h2'})
    passed, results = filters.get_filtered_hosts(
        [once, always], hosts, fakes.spec(), index=1)
    assert passed == hosts
    assert once.calls == 0
    assert always.calls == 3
    assert [(r.start, r.end) for r in results] == [(3, 3), (3, 3)]


def test_handler_forced_runs_only_capacity_filters():
    hosts = [fakes.fake_host('h0', svc={'disabled': True}, memory_mb=512)]
    flts = filters.load_filters(['ComputeFilter', 'ResourceFilter'])
    passed, results = filters.get_filtered_hosts(
        flts, hosts, fakes.spec(fakes.flavor(memory_mb=256)), forced=True)
    assert passed == hosts
    passed, results = filters.get_filtered_hosts(
        flts, hosts, fakes.spec(fakes.flavor(memory_mb=1024)), forced=True)
    assert passed == []
    assert filters.format_filter_results(results) == (
        'ComputeFilter (start: 1, end: 1), ResourceFilter (start: 1, end: 0)')


def test_no_valid_host_message_style():
    results = [filters.FilterResult('ComputeFilter', 3, 3),
               filters.FilterResult('ResourceFilter', 3, 0)]
    exc = filters.no_valid_host(results)
    assert isinstance(exc, exception.NoValidHost)
    assert str(exc) == (
        'No valid host was found. There are not enough hosts available. '
        'Filter results: ComputeFilter (start: 3, end: 3), '
        'ResourceFilter (start: 3, end: 0)')
    assert exc.filter_results == results

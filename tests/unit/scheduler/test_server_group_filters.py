"""Server group placement: the hard-policy filters, the soft-policy
weighers, multi-create counting in the selector, and the scheduler's late
check under the group's row lock (SQLite API and cell DBs)."""

import uuid

from oslo_config import fixture as config_fixture
import pytest

from nube.cells import targeting
from nube.compute import states
import nube.conf
from nube.db import migration
from nube.db.api import api as api_db
from nube.db.api import server_groups as groups_db
from nube import exception
from nube.scheduler import filters
from nube.scheduler.filters import server_group_filter as sgf
from nube.scheduler import group_claims
from nube.scheduler import manager as scheduler_manager
from nube.scheduler import selector
from nube.scheduler.weights import server_group as sgw
from nube.scheduler import weights
from tests.unit.conductor import fakes as cell_fakes
from tests.unit import scheduler as fakes

CONF = nube.conf.CONF


@pytest.fixture
def conf():
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    yield fixture
    fixture.cleanUp()


def _hosts(count, **kw):
    return [fakes.fake_host('h%d' % i, **kw) for i in range(count)]


def _names(hosts):
    return [h.host for h in hosts]


def _group(policy, **rules):
    return {'uuid': str(uuid.uuid4()), 'id': 1, 'policy': policy,
            'rules': rules}


def _spec(policy=None, group_hosts=None, **rules):
    extra = {}
    if policy is not None:
        extra['group'] = _group(policy, **rules)
        extra['group_hosts'] = dict(group_hosts or {})
    return fakes.spec(**extra)


# -- filters ------------------------------------------------------------------

def test_filters_ignore_requests_without_their_policy():
    hosts = _hosts(3)
    for spec in (_spec(), _spec('soft-affinity', {'h0': 1}),
                 _spec('affinity', {'h0': 1})):
        assert sgf.ServerGroupAntiAffinityFilter().filter_all(
            hosts, spec) == hosts
    assert sgf.ServerGroupAffinityFilter().filter_all(
        hosts, _spec('anti-affinity', {'h0': 1})) == hosts


def test_anti_affinity_skips_member_hosts():
    hosts = _hosts(4)
    f = sgf.ServerGroupAntiAffinityFilter()
    spec = _spec('anti-affinity', {'h1': 1, 'h3': 1})
    assert _names(f.filter_all(hosts, spec)) == ['h0', 'h2']
    assert [f.host_passes(h, spec) for h in hosts] == [True, False, True,
                                                       False]


def test_anti_affinity_max_server_per_host_rule():
    hosts = _hosts(3)
    spec = _spec('anti-affinity', {'h0': 2, 'h1': 1},
                 max_server_per_host=2)
    assert _names(sgf.ServerGroupAntiAffinityFilter().filter_all(
        hosts, spec)) == ['h1', 'h2']


def test_affinity_first_member_anywhere_then_same_host():
    hosts = _hosts(3)
    f = sgf.ServerGroupAffinityFilter()
    assert f.filter_all(hosts, _spec('affinity')) == hosts
    assert _names(f.filter_all(hosts, _spec('affinity', {'h2': 1}))) == \
        ['h2']


def test_group_filters_are_entry_points_and_default_enabled():
    loaded = filters.load_filters(['ServerGroupAffinityFilter',
                                   'ServerGroupAntiAffinityFilter'])
    assert [f.name for f in loaded] == ['ServerGroupAffinityFilter',
                                        'ServerGroupAntiAffinityFilter']
    assert {'ServerGroupAffinityFilter', 'ServerGroupAntiAffinityFilter'} \
        <= set(CONF.filter_scheduler.enabled_filters)
    assert {'ServerGroupSoftAffinityWeigher',
            'ServerGroupSoftAntiAffinityWeigher'} <= set(
        CONF.filter_scheduler.weight_classes)
    assert [w.name for w in weights.load_weighers(
        ['ServerGroupSoftAffinityWeigher',
         'ServerGroupSoftAntiAffinityWeigher'])] == [
        'ServerGroupSoftAffinityWeigher',
        'ServerGroupSoftAntiAffinityWeigher']


def test_forced_host_still_obeys_anti_affinity():
    hosts = _hosts(2)
    spec = _spec('anti-affinity', {'h0': 1}, )
    spec['force_hosts'] = ['h0']
    sel = selector.HostSelector(
        filter_names=['ComputeFilter', 'ServerGroupAntiAffinityFilter'],
        weigher_names=[])
    with pytest.raises(exception.NoValidHost) as info:
        sel.select(hosts, spec)
    assert 'ServerGroupAntiAffinityFilter (start: 1, end: 0)' in \
        str(info.value)


# -- weighers -----------------------------------------------------------------

def test_soft_weighers_raw_weights():
    hosts = _hosts(3)
    spec = _spec('soft-affinity', {'h0': 2, 'h2': 1})
    assert sgw.ServerGroupSoftAffinityWeigher().weigh_all(hosts, spec) == \
        [2, 0, 1]
    assert sgw.ServerGroupSoftAntiAffinityWeigher().weigh_all(
        hosts, spec) == [0, 0, 0]
    spec = _spec('soft-anti-affinity', {'h0': 2, 'h2': 1})
    assert sgw.ServerGroupSoftAntiAffinityWeigher().weigh_all(
        hosts, spec) == [-2, 0, -1]
    assert sgw.ServerGroupSoftAffinityWeigher().weigh_all(hosts, spec) == \
        [0, 0, 0]


def test_soft_affinity_packs_soft_anti_affinity_spreads(conf):
    # Equal hosts: only the group weighers decide.
    conf.config(group='filter_scheduler', ram_weight_multiplier=0.0,
                cpu_weight_multiplier=0.0, disk_weight_multiplier=0.0)
    names = ['ServerGroupSoftAffinityWeigher',
             'ServerGroupSoftAntiAffinityWeigher']
    sel = selector.HostSelector(filter_names=['ComputeFilter'],
                                weigher_names=names)
    spec = _spec('soft-affinity', {'h2': 1})
    picks = sel.select(_hosts(4), spec, num_instances=3)
    assert [s[0].host for s in picks] == ['h2', 'h2', 'h2']
    spec = _spec('soft-anti-affinity', {'h0': 1})
    picks = sel.select(_hosts(4), spec, num_instances=3)
    assert [s[0].host for s in picks] == ['h1', 'h2', 'h3']
    assert spec['group_hosts'] == {'h0': 1, 'h1': 1, 'h2': 1, 'h3': 1}


def test_soft_multiplier_zero_turns_it_off(conf):
    conf.config(group='filter_scheduler', soft_affinity_weight_multiplier=0)
    hosts = _hosts(2)
    assert weights.weigh_hosts([sgw.ServerGroupSoftAffinityWeigher()],
                               hosts, _spec('soft-affinity', {'h1': 3})) \
        == [0.0, 0.0]


# -- multi-create -------------------------------------------------------------

def test_multi_create_anti_affinity_gets_distinct_hosts():
    sel = selector.HostSelector(
        filter_names=['ComputeFilter', 'ServerGroupAntiAffinityFilter'])
    spec = _spec('anti-affinity', {'h1': 1})
    picks = sel.select(_hosts(4), spec, num_instances=3)
    chosen = [s[0].host for s in picks]
    assert sorted(chosen) == ['h0', 'h2', 'h3']
    assert spec['group_hosts'] == {'h0': 1, 'h1': 1, 'h2': 1, 'h3': 1}


def test_multi_create_beyond_hosts_fails_and_undoes_the_counts():
    sel = selector.HostSelector(
        filter_names=['ComputeFilter', 'ServerGroupAntiAffinityFilter'])
    spec = _spec('anti-affinity')
    with pytest.raises(exception.NoValidHost) as info:
        sel.select(_hosts(2), spec, num_instances=3)
    # The third sees the one host the second left (the survivors).
    assert 'ServerGroupAntiAffinityFilter (start: 1, end: 0)' in \
        str(info.value)
    assert spec['group_hosts'] == {}


def test_multi_create_affinity_stays_together():
    sel = selector.HostSelector(
        filter_names=['ComputeFilter', 'ServerGroupAffinityFilter'])
    picks = sel.select(_hosts(3), _spec('affinity'), num_instances=3)
    assert len({s[0].host for s in picks}) == 1


# -- the late check -----------------------------------------------------------

FLAVOR = {'flavorid': '1', 'name': 'f', 'memory_mb': 256, 'vcpus': 1,
          'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}}


class Place:
    """An API DB, a cell DB with compute nodes, and a scheduler over
    them whose hand-over and cell0 are recorded instead of cast."""

    def __init__(self, tmp_path, hosts):
        self.api_db = api_db.ApiDatabase('sqlite:///%s' % (tmp_path /
                                                           'api.db'))
        migration.db_sync(self.api_db, 'api')
        self.cell_db = cell_fakes.make_cell_db(tmp_path)
        url = 'sqlite:///%s' % (tmp_path / 'cell.db')
        self.cell = {'id': 1, 'uuid': 'cell1', 'name': 'cell1',
                     'database_connection': url}
        targeting._databases[url] = self.cell_db
        self.nodes = [cell_fakes.add_node(self.cell_db, h, memory_mb=mem)
                      for h, mem in hosts]
        self.sched = scheduler_manager.SchedulerManager()
        self.sched.selector = selector.HostSelector(
            filter_names=['ComputeFilter', 'ResourceFilter',
                          'ServerGroupAntiAffinityFilter',
                          'ServerGroupAffinityFilter'],
            weigher_names=['RAMWeigher'])
        self.sched.host_manager = self
        self.sched._cell = lambda cell_uuid: self.cell
        self.handed = []
        self.buried = []
        self.sched._hand_over = self._record_hand_over
        self.sched._bury_in_cell0 = (
            lambda ctxt, inst, msg: self.buried.append((inst['uuid'], msg)))

    # HostManager's part
    def get_host_states(self, refresh=False):
        return [fakes.fake_host(n['host'], id=n['id'],
                                memory_mb=n['memory_mb'], vcpus=n['vcpus'],
                                local_gb=n['local_gb'])
                for n in self.nodes]

    def refresh_host(self, state):
        pass

    def set_instances_for_hints(self, states_, spec):
        pass

    def _record_hand_over(self, ctxt, cell, created, spec, alternates):
        self.handed.append((created['uuid'], created['host'],
                            list(alternates)))

    def group(self, policy='anti-affinity'):
        group = groups_db.create(self.api_db, {
            'name': 'g', 'policy': policy, 'project_id': 'p1',
            'user_id': 'u1'})
        return {'uuid': group['uuid'], 'id': group['id'],
                'policy': policy, 'rules': {}}

    def member(self, group, host=None):
        server = str(uuid.uuid4())
        with self.api_db.transaction() as conn:
            groups_db.add_members(conn, group['id'], [server])
            if host:
                groups_db.set_member_host(conn, server, host)
        return server

    def schedule(self, group, server):
        instance = {'uuid': server, 'project_id': 'p1', 'user_id': 'u1',
                    'display_name': 'vm', 'flavor': FLAVOR,
                    'flavorid': '1', 'memory_mb': 256, 'vcpus': 1,
                    'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
                    'vm_state': states.BUILDING}
        spec = fakes.spec(FLAVOR, group=group)
        self.sched._schedule_one(None, instance, spec)

    def hosts_of(self, group):
        with self.api_db.transaction() as conn:
            return groups_db.member_hosts(conn, group['id'])


@pytest.fixture
def place(tmp_path, monkeypatch):
    targeting.reset()
    made = []

    def make(hosts):
        made.append(Place(tmp_path, hosts))
        monkeypatch.setattr(api_db, 'get_database',
                            lambda: made[0].api_db)
        return made[0]

    yield make
    for p in made:
        p.api_db.dispose()
    targeting.reset()


def test_member_host_is_recorded_and_no_alternates(place):
    p = place([('big', 4096), ('small', 2048)])
    group = p.group()
    server = p.member(group)
    p.schedule(group, server)
    assert p.handed == [(server, 'big', [])]
    assert p.hosts_of(group) == {'big': 1}


def test_late_check_refuses_a_host_taken_meanwhile(place, monkeypatch):
    """The scheduler read the members' hosts before a rival placed one on
    the best host: the check under the lock refuses it, the scheduler
    selects again and takes the other host."""
    p = place([('big', 4096), ('small', 2048)])
    group = p.group()
    p.member(group, host='big')          # the rival's, committed
    monkeypatch.setattr(group_claims, 'member_hosts',
                        lambda db, g: {})  # what this scheduler read
    server = p.member(group)
    p.schedule(group, server)
    assert p.handed == [(server, 'small', [])]
    assert p.hosts_of(group) == {'big': 1, 'small': 1}
    assert p.sched.stats['claim_races'] == 1
    # Nothing was claimed on the refused host.
    assert p.cell_db.instance_get_all(filters={'host': 'big'}) == []


def test_no_host_left_buries_naming_the_filter(place):
    p = place([('h0', 2048), ('h1', 2048)])
    group = p.group()
    p.member(group, host='h0')
    p.member(group, host='h1')
    server = p.member(group)
    p.schedule(group, server)
    assert p.handed == []
    [(uuid_, message)] = p.buried
    assert uuid_ == server
    assert 'ServerGroupAntiAffinityFilter (start: 2, end: 0)' in message


def test_refusal_after_refusal_when_every_host_went(place, monkeypatch):
    """Stale reads up to the end: each refusal teaches the new hosts,
    then the filter leaves none and the server goes to cell0."""
    p = place([('h0', 2048), ('h1', 2048), ('h2', 2048)])
    group = p.group()
    for host in ('h0', 'h1', 'h2'):
        p.member(group, host=host)
    monkeypatch.setattr(group_claims, 'member_hosts', lambda db, g: {})
    server = p.member(group)
    p.schedule(group, server)
    assert p.handed == []
    [(_uuid, message)] = p.buried
    assert 'ServerGroupAntiAffinityFilter' in message
    assert p.cell_db.instance_get_all(filters={}) == []


def test_affinity_follows_the_first_member(place):
    p = place([('big', 4096), ('small', 2048)])
    group = p.group('affinity')
    p.member(group, host='small')
    server = p.member(group)
    p.schedule(group, server)
    assert p.handed == [(server, 'small', [])]


def test_deleted_group_no_longer_binds(place):
    p = place([('h0', 2048)])
    group = p.group()
    p.member(group, host='h0')
    server = str(uuid.uuid4())
    groups_db.delete(p.api_db, group['uuid'])
    # The spec still names it; the filter saw its old hosts as none.
    created = group_claims.claim_member(
        p.api_db, p.cell_db, p.nodes[0],
        {'uuid': server, 'project_id': 'p1', 'flavor': FLAVOR,
         'memory_mb': 256, 'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0,
         'vm_state': states.BUILDING}, group)
    assert created['host'] == 'h0'


def test_soft_group_member_host_is_recorded_with_alternates(place):
    p = place([('big', 4096), ('small', 2048)])
    group = p.group('soft-anti-affinity')
    server = p.member(group)
    p.schedule(group, server)
    [(handed, host, alternates)] = p.handed
    assert (handed, host) == (server, 'big')
    assert p.hosts_of(group) == {'big': 1}

"""Security groups and floating IPs in linux_net (drivers/firewall.py)
without root: the exact rule text, refusals of hostile values, and what
one apply writes (only what changed) against FakeNetfilter, a small
model of iptables-restore --noflush / iptables-save and ipset
restore / save. The real commands are exercised on a real kernel in
tests/functional/test_network_firewall.py, which also proves the text
here is exactly what iptables-save prints back."""

import pytest

from nube.network.drivers import firewall
from nube.network.drivers import linux_net
from nube.network import exceptions

SG = '5a1c0de0-0000-4000-8000-000000000001'
SG2 = 'c0ffee00-0000-4000-8000-000000000002'
P1 = 'aaaaaaaa-1111-4111-8111-111111111111'
P2 = 'bbbbbbbb-2222-4222-8222-222222222222'
G1, G2 = '5a1c0de000004000', 'c0ffee0000004000'   # 16 first hex digits
O1, I1 = 'nube-o-aaaaaaaa11114111', 'nube-i-aaaaaaaa11114111'


def _rule(direction='ingress', protocol=None, low=None, high=None,
          prefix=None, remote=None, ethertype='IPv4'):
    return {'direction': direction, 'ethertype': ethertype,
            'protocol': protocol, 'port_range_min': low,
            'port_range_max': high, 'remote_ip_prefix': prefix,
            'remote_group_id': remote}


def _port(port_id=P1, address='10.0.0.3', groups=(SG,), bridge='br1'):
    return {'id': port_id, 'addresses': [address],
            'security_groups': list(groups), 'bridge': bridge}


def _groups(*rules, members=('10.0.0.3',)):
    return {SG: {'id': SG, 'rules': list(rules), 'members': list(members)}}


# -- rule text --------------------------------------------------------------

@pytest.mark.parametrize('rule,match', [
    (_rule(), ''),
    (_rule(protocol='tcp', low=22, high=22), '-p tcp -m tcp --dport 22'),
    (_rule(protocol='tcp', low=1000, high=2000),
     '-p tcp -m tcp --dport 1000:2000'),
    (_rule(protocol='tcp', low=0, high=65535), '-p tcp'),
    (_rule(protocol='6', low=80), '-p tcp -m tcp --dport 80'),
    (_rule(protocol='udp', low=53, high=53, prefix='10.9.0.7/16'),
     '-s 10.9.0.0/16 -p udp -m udp --dport 53'),
    (_rule(direction='egress', prefix='192.0.2.1/32'), '-d 192.0.2.1/32'),
    (_rule(prefix='0.0.0.0/0'), ''),
    (_rule(protocol='icmp'), '-p icmp'),
    (_rule(protocol='icmp', low=8), '-p icmp -m icmp --icmp-type 8'),
    (_rule(protocol='icmp', low=3, high=4), '-p icmp -m icmp --icmp-type 3/4'),
    (_rule(protocol='sctp', low=5, high=6), '-p 132 -m sctp --dport 5:6'),
    (_rule(protocol='gre'), '-p 47'),
    (_rule(protocol='250'), '-p 250'),
    (_rule(protocol=0), ''),
    (_rule(protocol='any'), ''),
    (_rule(remote=SG), '-m set --match-set nube-%s src' % G1),
    (_rule(direction='egress', protocol='tcp', low=443, remote=SG2,
           prefix='10.0.0.0/8'),
     '-d 10.0.0.0/8 -p tcp -m set --match-set nube-%s dst -m tcp '
     '--dport 443' % G2),
])
def test_rule_text(rule, match):
    assert firewall.rule_spec(rule)[1] == match


def test_ipv6_rules_are_not_served_here():
    assert firewall.rule_spec(_rule(ethertype='IPv6')) is None
    assert firewall.rule_spec(_rule(protocol='icmpv6')) is None


HOSTILE = [
    _rule(prefix='10.0.0.0/24 -j ACCEPT'),
    _rule(prefix='10.0.0.0/24\n-A FORWARD -j ACCEPT'),
    _rule(prefix='::/0'),
    _rule(prefix='10.0.0.0/33'),
    _rule(prefix=' 10.0.0.0/24'),
    _rule(prefix=167772160),
    _rule(protocol='tcp -j ACCEPT'),
    _rule(protocol='tcp\n'),
    _rule(protocol='256'),
    _rule(protocol=-1),
    _rule(protocol=True),
    _rule(protocol='58'),
    _rule(protocol='0x06'),
    _rule(protocol='tcp', low='22'),
    _rule(protocol='tcp', low='22 -j ACCEPT'),
    _rule(protocol='tcp', low=70000),
    _rule(protocol='tcp', low=-1, high=22),
    _rule(protocol='tcp', low=True),
    _rule(protocol='tcp', low=30, high=20),
    _rule(protocol='tcp', low=None, high=22),
    _rule(protocol='gre', low=1, high=2),
    _rule(protocol=None, low=22, high=22),
    _rule(protocol='icmp', low=255),
    _rule(protocol='icmp', low=None, high=0),
    _rule(protocol='icmp', low=8, high=256),
    _rule(direction='both'),
    _rule(direction='ingress;'),
    _rule(ethertype='IPv5'),
    _rule(remote='../../x'),
    _rule(remote='nube-x src -j ACCEPT'),
    'not a rule',
]


@pytest.mark.parametrize('rule', HOSTILE)
def test_hostile_rule_never_reaches_a_rule(rule):
    with pytest.raises(exceptions.HostNetworkError):
        firewall.rule_spec(rule)
    good = _rule(protocol='tcp', low=22)
    chains, sets, errors = firewall.filter_state(
        [_port()], _groups(good, rule))
    # Left out (a rule only ever admits), the rest applied, and named.
    assert chains['nube-gi-' + G1] == [
        '-A nube-gi-%s -p tcp -m tcp --dport 22 -j ACCEPT' % G1]
    assert chains['nube-ge-' + G1] == []
    assert sets == {}
    assert len(errors) == 1 and 'rule left out' in errors[0]


@pytest.mark.parametrize('port', [
    _port(port_id='../x'), _port(port_id='p1;x'), _port(port_id=None),
    _port(bridge='br1 -j ACCEPT'), _port(bridge='b' * 16),
])
def test_hostile_port_is_not_filtered_and_named(port):
    chains, _, errors = firewall.filter_state([port, _port(P2, '10.0.0.4')],
                                              _groups())
    assert chains['nube-sg'] == [
        '-A nube-sg -s 10.0.0.4/32 -i br1 -j nube-o-bbbbbbbb22224222',
        '-A nube-sg -j nube-sg-in']
    assert len(errors) == 1 and 'not filtered' in errors[0]


@pytest.mark.parametrize('address', ['10.0.0.3/32', '10.0.0.3 -j ACCEPT',
                                     '10.0.0.256', '10.0.0.3\n', 3])
def test_hostile_addresses_and_members_left_out(address):
    chains, sets, errors = firewall.filter_state(
        [{'id': P1, 'addresses': [address, '10.0.0.3'],
          'security_groups': [SG]}],
        _groups(_rule(remote=SG), members=[address, '10.0.0.9']))
    assert chains['nube-sg'][0] == '-A nube-sg -s 10.0.0.3/32 -j ' + O1
    assert sets == {'nube-' + G1: ['10.0.0.9']}
    assert len(errors) == 2


def test_ipv6_addresses_are_skipped_silently():
    chains, sets, errors = firewall.filter_state(
        [{'id': P1, 'addresses': ['fd00::3'], 'security_groups': [SG]},
         _port(P2, '10.0.0.4')],
        _groups(_rule(remote=SG), members=['fd00::3', '10.0.0.4']))
    assert O1 not in chains and not errors
    assert sets == {'nube-' + G1: ['10.0.0.4']}


def test_hostile_group_ids_left_out():
    chains, _, errors = firewall.filter_state(
        [_port(groups=['x;y', SG])],
        dict(_groups(), **{'../g': {'rules': [_rule()], 'members': []}}))
    assert sorted(c for c in chains if c.startswith('nube-g')) == [
        'nube-ge-' + G1, 'nube-gi-' + G1]
    assert len(errors) == 2


def test_whole_state_for_two_ports():
    groups = _groups(_rule(direction='egress'), _rule(remote=SG),
                     _rule(protocol='tcp', low=22, high=22),
                     members=['10.0.0.4', '10.0.0.3'])
    chains, sets, errors = firewall.filter_state(
        [_port(P2, '10.0.0.4', groups=[SG, 'f' * 32]), _port()], groups)
    assert not errors
    assert sets == {'nube-' + G1: ['10.0.0.3', '10.0.0.4']}
    o2, i2 = 'nube-o-bbbbbbbb22224222', 'nube-i-bbbbbbbb22224222'
    port_chain = lambda name, group: [
        '-A %s -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT' % name,
        '-A %s -m conntrack --ctstate INVALID -j DROP' % name,
        '-A %s -j %s' % (name, group), '-A %s -j DROP' % name]
    assert chains == {
        'nube-sg': ['-A nube-sg -s 10.0.0.3/32 -i br1 -j ' + O1,
                    '-A nube-sg -s 10.0.0.4/32 -i br1 -j ' + o2,
                    '-A nube-sg -j nube-sg-in'],
        'nube-sg-in': ['-A nube-sg-in -d 10.0.0.3/32 -o br1 -j ' + I1,
                       '-A nube-sg-in -d 10.0.0.4/32 -o br1 -j ' + i2],
        'nube-sg-ok': ['-A nube-sg-ok -j nube-sg-in',
                       '-A nube-sg-ok -j ACCEPT'],
        O1: port_chain(O1, 'nube-ge-' + G1),
        I1: port_chain(I1, 'nube-gi-' + G1),
        # The unknown group ('f' * 32) is not jumped to.
        o2: port_chain(o2, 'nube-ge-' + G1),
        i2: port_chain(i2, 'nube-gi-' + G1),
        'nube-ge-' + G1: ['-A nube-ge-%s -j nube-sg-ok' % G1],
        'nube-gi-' + G1: [
            '-A nube-gi-%s -m set --match-set nube-%s src -j ACCEPT' % (
                G1, G1),
            '-A nube-gi-%s -p tcp -m tcp --dport 22 -j ACCEPT' % G1]}
    for chain in chains:
        assert len(chain) <= 28
    assert all(len(name) + 2 <= 31 for name in sets)


def test_group_order_and_duplicates_do_not_change_the_rules():
    groups = dict(_groups(), **{SG2: {'rules': [], 'members': []}})
    a, _, _ = firewall.filter_state([_port(groups=[SG, SG2])], groups)
    b, _, _ = firewall.filter_state([_port(groups=[SG2, SG, SG2])], groups)
    assert a == b
    assert a[I1][2:4] == ['-A %s -j nube-gi-%s' % (I1, G1),
                          '-A %s -j nube-gi-%s' % (I1, G2)]


def test_same_address_on_two_bridges_is_two_ports():
    """Two networks may use one CIDR: each port's rules match its own
    bridge only."""
    chains, _, _ = firewall.filter_state(
        [_port(), _port(P2, bridge='br2')], _groups())
    assert chains['nube-sg'][:2] == [
        '-A nube-sg -s 10.0.0.3/32 -i br1 -j ' + O1,
        '-A nube-sg -s 10.0.0.3/32 -i br2 -j nube-o-bbbbbbbb22224222']


def test_colliding_chain_names_are_refused():
    other = 'aaaaaaaa-1111-4111-8111-999999999999'   # same 16 first digits
    chains, _, errors = firewall.filter_state(
        [_port(), _port(other, '10.0.0.4')], _groups())
    assert len(chains['nube-sg']) == 2 and 'taken' in errors[0]


def test_colliding_group_names_are_refused():
    """A group whose chain and set names another group has is left out,
    and no rule may name it as remote (its set would be the other's)."""
    twin = '5a1c0de0-0000-4000-ffff-000000000009'
    groups = _groups(_rule(remote=twin), _rule(protocol='tcp', low=22))
    groups[twin] = {'id': twin, 'rules': [_rule()], 'members': ['10.0.0.5']}
    chains, sets, errors = firewall.filter_state(
        [_port(groups=[SG, twin])], groups)
    assert chains[I1][2:4] == ['-A %s -j nube-gi-%s' % (I1, G1),
                               '-A %s -j DROP' % I1]
    assert chains['nube-gi-' + G1] == [
        '-A nube-gi-%s -p tcp -m tcp --dport 22 -j ACCEPT' % G1]
    assert sets == {} and len(errors) == 2


def test_nat_text_and_refusals():
    chains, wanted, errors = firewall.nat_state([
        {'floating_ip_address': '172.24.4.11', 'fixed_ip_address': '10.0.0.4',
         'bridge': 'br1'},
        {'floating_ip_address': '172.24.4.10', 'fixed_ip_address': '10.0.0.3',
         'bridge': 'br1'},
        {'floating_ip_address': '172.24.4.12 -j ACCEPT',
         'fixed_ip_address': '10.0.0.5', 'bridge': 'br1'},
        {'floating_ip_address': '172.24.4.13', 'fixed_ip_address': '10.0.0.6',
         'bridge': 'br1 ! -o x'},
        {'floating_ip_address': '172.24.4.10', 'fixed_ip_address': '10.0.0.7',
         'bridge': 'br1'}])
    assert chains == {
        'nube-float-pre': [
            '-A nube-float-pre -d 172.24.4.10/32 -j DNAT --to-destination '
            '10.0.0.3',
            '-A nube-float-pre -d 172.24.4.11/32 -j DNAT --to-destination '
            '10.0.0.4'],
        'nube-float-post': [
            '-A nube-float-post -s 10.0.0.3/32 ! -o br1 -j SNAT --to-source '
            '172.24.4.10',
            '-A nube-float-post -s 10.0.0.4/32 ! -o br1 -j SNAT --to-source '
            '172.24.4.11']}
    assert wanted == {'172.24.4.10': '10.0.0.3', '172.24.4.11': '10.0.0.4'}
    assert len(errors) == 3


# -- the diff ---------------------------------------------------------------

def _save_text(chains, builtin=('INPUT', 'FORWARD', 'OUTPUT'), extra=()):
    """iptables-save output holding ``chains`` (as iptables prints)."""
    lines = ['*filter'] + [':%s ACCEPT [0:0]' % c for c in builtin]
    lines += [':%s - [0:0]' % c for c in sorted(chains)]
    lines += list(extra)
    for name in sorted(chains):
        lines += chains[name]
    return '\n'.join(lines + ['COMMIT']) + '\n'


def _many(n):
    return [_port('%08x-0000-4000-8000-%012x' % (i, i),
                  '10.1.%d.%d' % (i // 250, i % 250 + 2))
            for i in range(n)]


def test_one_rule_change_among_500_ports_rewrites_one_chain():
    groups = _groups(_rule(direction='egress'), _rule(remote=SG),
                     _rule(protocol='tcp', low=22))
    before, _, _ = firewall.filter_state(_many(500), groups)
    current = firewall.parse_save(_save_text(before))
    assert [current.pop(c) for c in ('INPUT', 'FORWARD', 'OUTPUT')] == [
        [], [], []]
    assert len(current) == 1005
    groups[SG]['rules'].append(_rule(protocol='tcp', low=80))
    after, _, _ = firewall.filter_state(_many(500), groups)
    text, changed, removed = firewall.restore_input(
        'filter', after, current, firewall._ours_filter)
    assert changed == ['nube-gi-' + G1] and removed == []
    assert text == (
        '*filter\n:nube-gi-{0} - [0:0]\n'
        '-A nube-gi-{0} -m set --match-set nube-{0} src -j ACCEPT\n'
        '-A nube-gi-{0} -p tcp -m tcp --dport 22 -j ACCEPT\n'
        '-A nube-gi-{0} -p tcp -m tcp --dport 80 -j ACCEPT\n'
        'COMMIT\n').format(G1)
    assert firewall.restore_input('filter', before, current,
                                  firewall._ours_filter) == ('', [], [])


def test_a_port_added_rewrites_the_dispatch_and_its_own_chains():
    before, _, _ = firewall.filter_state(_many(500), _groups())
    current = firewall.parse_save(_save_text(before))
    after, _, _ = firewall.filter_state(_many(501), _groups())
    _, changed, removed = firewall.restore_input(
        'filter', after, current, firewall._ours_filter)
    assert changed == ['nube-i-000001f400004000', 'nube-o-000001f400004000',
                       'nube-sg', 'nube-sg-in'] and removed == []


def test_stale_chains_are_flushed_then_deleted_after_the_rest():
    before, _, _ = firewall.filter_state(_many(2), _groups())
    current = firewall.parse_save(_save_text(
        before, extra=[':nube-forward - [0:0]', ':mine - [0:0]']))
    after, _, _ = firewall.filter_state(_many(1), _groups())
    text, changed, removed = firewall.restore_input(
        'filter', after, current, firewall._ours_filter,
        [('FORWARD', 2, 'nube-sg')])
    assert changed == ['nube-sg', 'nube-sg-in']
    assert removed == ['nube-i-0000000100004000', 'nube-o-0000000100004000']
    assert text.splitlines()[1:5] == [
        ':nube-sg - [0:0]', ':nube-sg-in - [0:0]',
        ':nube-i-0000000100004000 - [0:0]',
        ':nube-o-0000000100004000 - [0:0]']
    assert text.splitlines()[-4:] == [
        '-I FORWARD 2 -j nube-sg', '-X nube-i-0000000100004000',
        '-X nube-o-0000000100004000', 'COMMIT']


def test_saved_protocol_names_compare_as_numbers():
    saved = firewall.parse_save(
        '*filter\n:nube-gi-x - [0:0]\n-A nube-gi-x -p sctp -m sctp --dport 5 '
        '-j ACCEPT\n-A nube-gi-x -p gre -j ACCEPT\n-A nube-gi-x -p tcp -j '
        'ACCEPT\n-A nube-gi-x -p 250 -j ACCEPT\nCOMMIT\n')
    assert saved['nube-gi-x'] == [
        '-A nube-gi-x -p 132 -m sctp --dport 5 -j ACCEPT',
        '-A nube-gi-x -p 47 -j ACCEPT', '-A nube-gi-x -p tcp -j ACCEPT',
        '-A nube-gi-x -p 250 -j ACCEPT']


def test_ipset_changes_are_swapped_in():
    current = firewall.parse_ipsets(
        'create nube-%s hash:ip family inet hashsize 1024\n'
        'add nube-%s 10.0.0.9\nadd nube-%s 10.0.0.10\n'
        'create other hash:ip\nadd other 1.2.3.4\n' % (G1, G1, G1))
    assert current == {'nube-' + G1: ['10.0.0.9', '10.0.0.10']}
    name = 'nube-' + G1
    assert firewall.ipset_input({name: ['10.0.0.9', '10.0.0.10']},
                                current) == ('', [])
    text, written = firewall.ipset_input(
        {name: ['10.0.0.9'], 'nube-00000000000000ff': []}, current)
    assert written == ['nube-00000000000000ff', name]
    assert text == (
        'create nube-00000000000000ff hash:ip family inet\n'
        'flush nube-00000000000000ff\n'
        'create {0}-t hash:ip family inet\nflush {0}-t\nadd {0}-t 10.0.0.9\n'
        'swap {0}-t {0}\ndestroy {0}-t\n').format(name)


# -- the driver against a model of netfilter -------------------------------

class FakeNetfilter:
    """iptables-save/-restore --noflush and ipset save/restore/destroy on
    in-memory tables; counts the writes."""

    def __init__(self):
        self.tables = {'filter': {'INPUT': [], 'FORWARD': [], 'OUTPUT': []},
                       'nat': {'PREROUTING': [], 'INPUT': [], 'OUTPUT': [],
                               'POSTROUTING': []}}
        self.sets = {}
        self.writes = []
        self.calls = []

    def __call__(self, argv, input=None, check=True):
        self.calls.append(argv)
        out, name = '', argv[0].rsplit('/', 1)[-1]
        if argv[:2] == ['iptables-save', '-t']:
            chains = self.tables[argv[2]]
            out = '*%s\n%s%sCOMMIT\n' % (argv[2], ''.join(
                ':%s - [0:0]\n' % c for c in chains), ''.join(
                r + '\n' for c in chains for r in chains[c]))
        elif argv[0] == 'iptables-restore':
            self.writes.append(('iptables', input))
            self._restore(input)
        elif name == 'ipset' and argv[1] == 'save':
            out = ''.join('create %s hash:ip family inet\n%s' % (s, ''.join(
                'add %s %s\n' % (s, m) for m in members))
                for s, members in self.sets.items())
        elif name == 'ipset':
            self.writes.append(('ipset', input or ' '.join(argv[1:])))
            self._ipset(input or ' '.join(argv[1:]))
        return type('Proc', (), {'stdout': out, 'returncode': 0})()

    def _restore(self, text):
        table = None
        for line in text.splitlines():
            words = line.split()
            if line.startswith('*'):
                table = self.tables[line[1:]]
            elif line.startswith(':'):
                table[words[0][1:]] = []
            elif words[0] == '-A':
                assert words[-1] in table or words[-1].isupper() or \
                    words[-2] == '--to-source' or \
                    words[-2] == '--to-destination', line
                table[words[1]].append(line)
            elif words[0] == '-I':
                table[words[1]].insert(int(words[2]) - 1, '-A %s %s' % (
                    words[1], ' '.join(words[3:])))
            elif words[0] == '-D':
                table[words[1]].remove('-A ' + line[3:])
            elif words[0] == '-X':
                assert not table[words[1]]
                assert not any(r.endswith('-j ' + words[1])
                               for rules in table.values() for r in rules)
                del table[words[1]]

    def _ipset(self, text):
        for line in text.splitlines():
            words = line.split()
            if words[0] == 'create':
                self.sets.setdefault(words[1], [])
            elif words[0] == 'flush':
                self.sets[words[1]] = []
            elif words[0] == 'add':
                self.sets[words[1]].append(words[2])
            elif words[0] == 'swap':
                a, b = words[1], words[2]
                self.sets[a], self.sets[b] = self.sets[b], self.sets[a]
            elif words[0] == 'destroy':
                del self.sets[words[1]]


@pytest.fixture
def net():
    return FakeNetfilter()


def _driver(net, conntrack=None):
    driver = linux_net.LinuxNetDriver(namespace='nubet-h-1',
                                      networks_path='/nonexistent')
    driver._run, driver.ipset, driver.conntrack = net, '/sbin/ipset', conntrack
    return driver


GROUPS = _groups(_rule(direction='egress'), _rule(remote=SG),
                 _rule(protocol='tcp', low=22), members=['10.0.0.3'])


def test_apply_then_nothing_to_write_even_after_a_restart(net):
    net.tables['filter']['FORWARD'] = ['-A FORWARD -j nube-forward',
                                       '-A FORWARD -j ACCEPT']
    net.tables['filter']['nube-forward'] = []
    result = _driver(net).apply_filters([_port()], GROUPS)
    assert result['sets'] == ['nube-' + G1] and len(result['chains']) == 7
    # The ipset exists before the rule naming it: one set write, then one
    # atomic iptables transaction.
    assert [kind for kind, _ in net.writes] == ['ipset', 'iptables']
    assert net.tables['filter']['FORWARD'] == [
        '-A FORWARD -j nube-forward', '-A FORWARD -j nube-sg',
        '-A FORWARD -j ACCEPT']
    net.writes = []
    assert _driver(net).apply_filters([_port()], GROUPS) == {
        'chains': [], 'removed': [], 'sets': []}
    assert net.writes == []


def test_outside_changes_are_repaired(net):
    driver = _driver(net)
    driver.apply_filters([_port()], GROUPS)
    net.tables['filter']['nube-gi-' + G1].pop()
    net.tables['filter']['FORWARD'] = []
    net.sets['nube-' + G1] = []
    net.writes = []
    assert driver.apply_filters([_port()], GROUPS) == {
        'chains': ['nube-gi-' + G1], 'removed': [], 'sets': ['nube-' + G1]}
    assert net.tables['filter']['FORWARD'] == ['-A FORWARD -j nube-sg']


def test_membership_change_is_one_set_swap(net):
    driver = _driver(net)
    driver.apply_filters([_port()], GROUPS)
    net.writes = []
    groups = _groups(*GROUPS[SG]['rules'], members=['10.0.0.3', '10.0.0.8'])
    assert driver.apply_filters([_port()], groups)['chains'] == []
    [(kind, text)] = net.writes
    assert kind == 'ipset' and 'swap nube-%s-t nube-%s' % (G1, G1) in text
    assert net.sets == {'nube-' + G1: ['10.0.0.3', '10.0.0.8']}


def test_removed_ports_and_groups_leave_nothing(net):
    driver = _driver(net)
    driver.apply_filters([_port()], GROUPS)
    net.sets['nube-0123456789abcdef-t'] = []      # left by a crash
    result = driver.apply_filters([], GROUPS)
    assert len(result['removed']) == 4 and net.sets == {}
    assert sorted(c for c in net.tables['filter'] if c.startswith('nube')) \
        == ['nube-sg', 'nube-sg-in', 'nube-sg-ok']


def test_bad_rule_is_left_out_the_rest_applied_then_raised(net):
    groups = _groups(_rule(protocol='tcp', low=22),
                     _rule(protocol='tcp', low='22 -j ACCEPT'))
    with pytest.raises(exceptions.HostNetworkError, match='rule left out'):
        _driver(net).apply_filters([_port()], groups)
    assert net.tables['filter']['nube-gi-' + G1] == [
        '-A nube-gi-%s -p tcp -m tcp --dport 22 -j ACCEPT' % G1]


def test_without_ipset_remote_group_rules_are_refused(net):
    driver = _driver(net)
    driver.ipset = None
    with pytest.raises(exceptions.HostNetworkError, match='no ipset'):
        driver.apply_filters([_port()], GROUPS)
    assert 'ipset' not in [kind for kind, _ in net.writes]
    assert len(net.tables['filter']['nube-gi-' + G1]) == 1


FLOATING = [{'floating_ip_address': '172.24.4.10',
             'fixed_ip_address': '10.0.0.3', 'bridge': 'br1'}]


def test_nat_applied_once_with_its_jumps(net):
    driver = _driver(net)
    assert driver.apply_nat(FLOATING) == ['nube-float-post',
                                          'nube-float-pre']
    [(_, text)] = net.writes
    assert text == (
        '*nat\n:nube-float-post - [0:0]\n:nube-float-pre - [0:0]\n'
        '-A nube-float-post -s 10.0.0.3/32 ! -o br1 -j SNAT --to-source '
        '172.24.4.10\n'
        '-A nube-float-pre -d 172.24.4.10/32 -j DNAT --to-destination '
        '10.0.0.3\n'
        '-I PREROUTING 1 -j nube-float-pre\n-I OUTPUT 1 -j nube-float-pre\n'
        '-I POSTROUTING 1 -j nube-float-post\nCOMMIT\n')
    assert _driver(net).apply_nat(FLOATING) == []
    assert len(net.writes) == 1


def test_moved_floating_ip_forgets_its_flows(net):
    driver = _driver(net, conntrack='/usr/sbin/conntrack')
    driver.apply_nat(FLOATING + [{'floating_ip_address': '172.24.4.11',
                                  'fixed_ip_address': '10.0.0.4',
                                  'bridge': 'br1'}])
    net.calls = []
    driver.apply_nat([dict(FLOATING[0], fixed_ip_address='10.0.0.5')])
    assert [c for c in net.calls if c[0].endswith('conntrack')] == [
        ['/usr/sbin/conntrack', '-D', flag, fip]
        for fip in ('172.24.4.10', '172.24.4.11')
        for flag in ('--orig-dst', '--reply-dst')]


def test_cleanup_removes_chains_jumps_and_sets(net):
    driver = _driver(net)
    driver.apply_filters([_port()], GROUPS)
    driver.apply_nat(FLOATING)
    net.tables['filter']['FORWARD'].append('-A FORWARD -j nube-sg')
    net.tables['filter']['mine'] = ['-A mine -j ACCEPT']
    driver._cleanup_firewall()
    assert net.tables['filter'] == {'INPUT': [], 'FORWARD': [], 'OUTPUT': [],
                                    'mine': ['-A mine -j ACCEPT']}
    assert all(rules == [] for rules in net.tables['nat'].values())
    assert set(net.tables['nat']) == {'PREROUTING', 'INPUT', 'OUTPUT',
                                      'POSTROUTING'}
    assert net.sets == {}


def _incremental(table_chains, current, **kwargs):
    return firewall.restore_input('filter', table_chains, current,
                                  firewall._ours_filter,
                                  unordered=(firewall.IN_CHAIN,),
                                  head_ordered=(firewall.SG_CHAIN,))


def test_a_port_added_among_500_edits_the_dispatch_chains():
    """The two dispatch chains get a line each (-I 1 keeps nube-sg's
    final jump last), the new port's chains are written; the world is
    not."""
    before, _, _ = firewall.filter_state(_many(500), _groups())
    current = firewall.parse_save(_save_text(before))
    after, _, _ = firewall.filter_state(_many(501), _groups())
    text, changed, removed = _incremental(after, current)
    port = '000001f400004000'
    assert changed == ['nube-i-' + port, 'nube-o-' + port, 'nube-sg',
                       'nube-sg-in'] and removed == []
    lines = text.splitlines()
    assert lines[1:3] == [':nube-i-%s - [0:0]' % port,
                          ':nube-o-%s - [0:0]' % port]
    edits = [line for line in lines if line.startswith(('-I', '-D')) or
             line.startswith('-A nube-sg')]
    assert [line.split(' ', 3)[:3] for line in edits] == [
        ['-I', 'nube-sg', '1'], ['-A', 'nube-sg-in', '-d']]
    assert len(lines) < 20
    # Applied (the new rule first in nube-sg), nothing is left to do.
    applied = dict(current)
    applied['nube-sg'] = [after['nube-sg'][-2]] + current['nube-sg']
    applied['nube-sg-in'] = current['nube-sg-in'] + [after['nube-sg-in'][-1]]
    for chain in ('nube-i-' + port, 'nube-o-' + port):
        applied[chain] = after[chain]
    assert _incremental(after, applied) == ('', [], [])


def test_a_port_removed_among_500_is_deleted_by_rule():
    before, _, _ = firewall.filter_state(_many(500), _groups())
    current = firewall.parse_save(_save_text(before))
    after, _, _ = firewall.filter_state(_many(499), _groups())
    text, _changed, removed = _incremental(after, current)
    assert len(removed) == 2
    deletes = [line for line in text.splitlines() if line.startswith('-D')]
    assert [line.split(' ')[1] for line in deletes] == ['nube-sg',
                                                         'nube-sg-in']
    assert len(text.splitlines()) < 12


def test_one_floating_ip_moved_among_1000_is_four_lines():
    fips = [{'floating_ip_address': '172.30.%d.%d' % divmod(i + 2, 256),
             'fixed_ip_address': '10.9.%d.%d' % divmod(i + 2, 256),
             'bridge': 'br1'} for i in range(1000)]
    before, _, _ = firewall.nat_state(fips)
    current = {chain: list(lines) for chain, lines in before.items()}
    fips[7] = dict(fips[7], fixed_ip_address='10.9.200.1')
    after, _, _ = firewall.nat_state(fips)
    text, changed, _ = firewall.restore_input(
        'nat', after, current, firewall._ours_nat,
        unordered=(firewall.FLOAT_PRE, firewall.FLOAT_POST))
    assert changed == [firewall.FLOAT_POST, firewall.FLOAT_PRE]
    body = text.splitlines()[1:-1]
    assert sorted(line.split(' ')[0] for line in body) == [
        '-A', '-A', '-D', '-D'], body
    assert '10.9.200.1' in text

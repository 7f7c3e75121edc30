"""Security groups and floating IPs for linux_net, in iptables and ipset.

Filtering works on bridged traffic too because the kernel passes it
through iptables' FORWARD (br_netfilter, net.bridge.bridge-nf-call-
iptables = 1). FORWARD jumps to ``nube-sg`` (after nube's isolation
chain, whose drops must come first)::

    nube-sg      -s PORT_IP -i BRIDGE -j nube-o-PORT    (each port)
                 -j nube-sg-in
    nube-sg-in   -d PORT_IP -o BRIDGE -j nube-i-PORT    (each port)
    nube-sg-ok   -j nube-sg-in ; -j ACCEPT
    nube-o-PORT  replies ACCEPT; INVALID DROP; -j nube-ge-GROUP ...; DROP
    nube-i-PORT  replies ACCEPT; INVALID DROP; -j nube-gi-GROUP ...; DROP
    nube-ge-G    one line per egress rule: -j nube-sg-ok
    nube-gi-G    one line per ingress rule: -j ACCEPT

A packet from a port is decided by its egress chain: DROP, or a group
rule admits it and ``nube-sg-ok`` hands it to the destination port's
ingress chain (if the destination is a port) or accepts it. A packet
to a port from elsewhere meets its ingress chain through
``nube-sg-in``. Anything else falls through to the rest of FORWARD.
(A group rule cannot simply RETURN: that would only return to the
port's chain, which ends in DROP.) Remote-group rules match an ipset
``nube-<group16>`` of the group's member addresses, so a port joining a
group changes one set, not the rules of every port.

Floating IPs are two nat chains: ``nube-float-pre`` (from PREROUTING and
OUTPUT) DNATs the floating address to the fixed one, ``nube-float-post``
(from POSTROUTING) SNATs the fixed address to the floating one unless
the packet stays on its own bridge.

Every change is one ``iptables-restore --noflush`` transaction holding
only the chains whose rules differ from what ``iptables-save`` shows
(a ``:chain`` line flushes a chain in that mode), so a rule change in a
group of 500 ports rewrites that group's chain alone, and a restarted
nube-network or an outside change is repaired by the next apply. The
pure functions render and validate; FirewallMixin compares and applies.

Not done here: anti-spoofing (a guest sending from an address that is
not its own meets that address's rules, or none), and removing tracked
connections when a rule goes (only new connections are refused). A host
filters what crosses it: in single-host mode with guests on other
hosts, traffic between guests of one network does not.
"""

import ipaddress
import re
import socket

from oslo_log import log as logging

from nube.network.drivers import base
from nube.network import exceptions
from nube.network import security_groups

LOG = logging.getLogger(__name__)

ISOLATION_CHAIN = 'nube-forward'
SG_CHAIN = 'nube-sg'
IN_CHAIN = 'nube-sg-in'
OK_CHAIN = 'nube-sg-ok'
FLOAT_PRE = 'nube-float-pre'
FLOAT_POST = 'nube-float-post'
PORT_OUT, PORT_IN = 'nube-o-', 'nube-i-'
GROUP_OUT, GROUP_IN = 'nube-ge-', 'nube-gi-'
_FILTER_PREFIXES = (PORT_OUT, PORT_IN, GROUP_OUT, GROUP_IN)
_SET = re.compile(r'nube-[0-9a-f]{16}(-t)?')
SET_TYPE = 'hash:ip family inet'

# Neutron's protocol names (IPv4 ones) and their numbers.
PROTOCOLS = security_groups.PROTOCOL_NUMBERS
_IPV6_ONLY = {'icmpv6', 'ipv6-icmp', 'ipv6-encap', 'ipv6-frag',
              'ipv6-nonxt', 'ipv6-opts', 'ipv6-route'}
# How iptables-save prints these; every other protocol is a number here
# and what iptables-save prints is mapped back (see _canonical).
_NAMED = {1: 'icmp', 6: 'tcp', 17: 'udp'}
_PORT_MATCH = {6: 'tcp', 17: 'udp', 132: 'sctp'}
_REPLIES = '-m conntrack --ctstate RELATED,ESTABLISHED'
_INVALID = '-m conntrack --ctstate INVALID'


def short_id(value, what):
    """First 16 hex digits of a UUID: chain and set names (28 and 31
    characters at most) cannot hold a whole one."""
    return base.validate_uuid(value, what).replace('-', '')[:16]


def set_name(group_id):
    return 'nube-%s' % short_id(group_id, 'security group id')


def protocol_number(value):
    """A rule's protocol as an IP protocol number, None for any."""
    if value is None or value == 'any':
        return None
    if isinstance(value, str) and value in PROTOCOLS:
        return PROTOCOLS[value]
    if isinstance(value, str) and re.fullmatch(r'[0-9]{1,3}', value):
        value = int(value)
    number = base.validate_int(value, 0, 255, 'protocol')
    if number == 58:
        base._refuse('IPv6 protocol in an IPv4 rule:', value)
    return number or None   # iptables: -p 0 is any protocol


def _port_match(protocol, low, high):
    """The match of a rule's port range (ICMP: type and code)."""
    if low is None and high is None:
        return []
    if protocol in _PORT_MATCH:
        low = base.validate_int(low, 0, 65535, 'port')
        high = low if high is None else base.validate_int(high, 0, 65535,
                                                          'port')
        if low > high:
            base._refuse('port range', '%s:%s' % (low, high))
        if (low, high) == (0, 65535):
            return []
        ports = '%d' % low if low == high else '%d:%d' % (low, high)
        return ['-m %s --dport %s' % (_PORT_MATCH[protocol], ports)]
    if protocol == 1:
        # 255 is iptables' "any type": a rule for type 255 would admit all.
        kind = base.validate_int(low, 0, 254, 'ICMP type')
        if high is None:
            return ['-m icmp --icmp-type %d' % kind]
        code = base.validate_int(high, 0, 255, 'ICMP code')
        return ['-m icmp --icmp-type %d/%d' % (kind, code)]
    base._refuse('port range for protocol', protocol)


def rule_spec(rule):
    """(direction, match text, remote group id or None) of one rule, in
    the order iptables-save prints it; None for an IPv6 rule (not
    served here). Refuses anything it cannot render exactly."""
    if not isinstance(rule, dict):
        base._refuse('rule', rule)
    ethertype = rule.get('ethertype') or 'IPv4'
    protocol = rule.get('protocol')
    if ethertype == 'IPv6' or protocol in _IPV6_ONLY:
        return None
    if ethertype != 'IPv4':
        base._refuse('ethertype', ethertype)
    direction = rule.get('direction')
    if direction not in ('ingress', 'egress'):
        base._refuse('direction', direction)
    ingress = direction == 'ingress'
    parts = []
    prefix = rule.get('remote_ip_prefix')
    if prefix is not None:
        network = base.validate_ipv4_prefix(prefix)
        if network.prefixlen:
            parts.append('%s %s' % ('-s' if ingress else '-d', network))
    number = protocol_number(protocol)
    if number is not None:
        parts.append('-p %s' % _NAMED.get(number, number))
    remote = rule.get('remote_group_id')
    if remote is not None:
        remote = base.validate_uuid(remote, 'remote group id')
        parts.append('-m set --match-set %s %s' % (
            set_name(remote), 'src' if ingress else 'dst'))
    parts += _port_match(number, rule.get('port_range_min'),
                         rule.get('port_range_max'))
    return direction, ' '.join(parts), remote


def _line(chain, spec, target):
    return '-A %s %s-j %s' % (chain, spec + ' ' if spec else '', target)


def _ipv4_or_skip(value, what):
    """An IPv4 address; None for an IPv6 one (not served here)."""
    if isinstance(value, str) and ':' in value:
        try:
            ipaddress.IPv6Address(value)
            return None
        except ValueError:
            pass
    try:
        return base.validate_ipv4(value)
    except exceptions.HostNetworkError:
        base._refuse(what, value)


def _reason(exc):
    return exc.kwargs.get('reason', str(exc))


def _ports(ports, groups, errors):
    """(chain id, port id, [addresses], bridge, [group ids]) of each port
    that can be filtered, sorted; the others are reported in errors."""
    found, taken = [], {}
    for port in ports:
        try:
            port_id = base.validate_uuid(port.get('id'), 'port id')
            short = short_id(port_id, 'port id')
            if taken.setdefault(short, port_id) != port_id:
                base._refuse('port id (its chain name is taken):', port_id)
            bridge = port.get('bridge')
            if bridge is not None:
                bridge = base.validate_ifname(bridge, 'bridge name')
        except (exceptions.HostNetworkError, AttributeError) as exc:
            errors.append('port %r not filtered: %s' % (
                port if not isinstance(port, dict) else port.get('id'),
                _reason(exc) if isinstance(
                    exc, exceptions.HostNetworkError) else exc))
            continue
        addresses = set()
        for value in port.get('addresses') or ():
            try:
                address = _ipv4_or_skip(value, 'port address')
            except exceptions.HostNetworkError as exc:
                errors.append('port %s: %s' % (port_id, _reason(exc)))
                continue
            if address is not None:
                addresses.add(address)
        member_of = set()
        for group in port.get('security_groups') or ():
            try:
                group = base.validate_uuid(group, 'security group id')
            except exceptions.HostNetworkError as exc:
                errors.append('port %s: %s' % (port_id, _reason(exc)))
                continue
            if group in groups:
                member_of.add(group)
        if addresses:
            # Sorted: the order of allow rules means nothing, and a DB
            # that lists groups in another order must not cause a rewrite.
            found.append((short, port_id, sorted(addresses), bridge,
                          sorted(member_of)))
    return sorted(found)


def _canonical_groups(groups, errors):
    """(``groups`` keyed by canonical id, {short id: id}); bad ids and a
    group whose names another has are reported and left out."""
    result, taken = {}, {}
    for key in sorted(groups or {}, key=str):
        try:
            group_id = base.validate_uuid(key, 'security group id')
            if not isinstance(groups[key], dict):
                base._refuse('security group', groups[key])
            if taken.setdefault(short_id(group_id, 'security group id'),
                                group_id) != group_id:
                base._refuse('security group id (its names are taken):',
                             group_id)
            result[group_id] = groups[key]
        except exceptions.HostNetworkError as exc:
            errors.append(_reason(exc))
    return result, taken


def filter_state(ports, groups, ipset=True):
    """What apply_filters wants: ({chain: [iptables-save lines]},
    {ipset name: [members]}, [errors]). A rule, member or port that fails
    validation is left out and named in errors; a rule left out only
    admits less. ``ipset=False``: remote-group rules cannot be served."""
    errors = []
    groups, taken = _canonical_groups(groups, errors)
    entries = _ports(ports, groups, errors)
    used = sorted({g for entry in entries for g in entry[4]})
    shorts = {group_id: short for short, group_id in taken.items()}
    chains = {SG_CHAIN: [], IN_CHAIN: [], OK_CHAIN: [
        _line(OK_CHAIN, '', IN_CHAIN), _line(OK_CHAIN, '', 'ACCEPT')]}
    for short, _port_id, addresses, bridge, member_of in entries:
        out_chain, in_chain = PORT_OUT + short, PORT_IN + short
        for address in addresses:
            chains[SG_CHAIN].append(_line(SG_CHAIN, '-s %s/32%s' % (
                address, ' -i %s' % bridge if bridge else ''), out_chain))
            chains[IN_CHAIN].append(_line(IN_CHAIN, '-d %s/32%s' % (
                address, ' -o %s' % bridge if bridge else ''), in_chain))
        for chain, prefix in ((out_chain, GROUP_OUT), (in_chain, GROUP_IN)):
            chains[chain] = (
                [_line(chain, _REPLIES, 'ACCEPT'),
                 _line(chain, _INVALID, 'DROP')] +
                [_line(chain, '', prefix + shorts[g]) for g in member_of] +
                [_line(chain, '', 'DROP')])
    chains[SG_CHAIN].append(_line(SG_CHAIN, '', IN_CHAIN))
    sets = {}
    for group_id in used:
        short = shorts[group_id]
        lines = {'ingress': set(), 'egress': set()}
        for rule in groups[group_id].get('rules') or ():
            try:
                spec = rule_spec(rule)
                if spec is None:
                    continue
                direction, match, remote = spec
                if remote is not None and not ipset:
                    base._refuse('remote group rule (no ipset command):',
                                 remote)
                if remote is not None and taken.setdefault(
                        short_id(remote, 'remote group id'),
                        remote) != remote:
                    base._refuse('remote group (its set name is taken):',
                                 remote)
            except (exceptions.HostNetworkError, AttributeError) as exc:
                errors.append('group %s: rule left out: %s' % (
                    group_id, _reason(exc) if isinstance(
                        exc, exceptions.HostNetworkError) else exc))
                continue
            if remote is not None:
                sets.setdefault(set_name(remote), remote)
            lines[direction].add(match)
        chains[GROUP_IN + short] = [_line(GROUP_IN + short, m, 'ACCEPT')
                                    for m in sorted(lines['ingress'])]
        chains[GROUP_OUT + short] = [_line(GROUP_OUT + short, m, OK_CHAIN)
                                     for m in sorted(lines['egress'])]
    for name, remote in list(sets.items()):
        members = set()
        for value in (groups.get(remote) or {}).get('members') or ():
            try:
                address = _ipv4_or_skip(value, 'member address')
            except exceptions.HostNetworkError as exc:
                errors.append('group %s: %s' % (remote, _reason(exc)))
                continue
            if address is not None:
                members.add(address)
        sets[name] = [str(a) for a in sorted(members)]
    return chains, sets, errors


def nat_state(floating):
    """What apply_nat wants: ({chain: lines}, {floating: fixed}, errors)."""
    errors, wanted = [], {}
    for entry in floating:
        try:
            fip = base.validate_ipv4(entry.get('floating_ip_address'))
            fixed = base.validate_ipv4(entry.get('fixed_ip_address'))
            bridge = base.validate_ifname(entry.get('bridge'), 'bridge name')
        except (exceptions.HostNetworkError, AttributeError) as exc:
            errors.append('floating IP %r not translated: %s' % (
                entry.get('floating_ip_address') if isinstance(entry, dict)
                else entry, _reason(exc) if isinstance(
                    exc, exceptions.HostNetworkError) else exc))
            continue
        if fip in wanted:
            errors.append('floating IP %s given twice' % fip)
            continue
        wanted[fip] = (fixed, bridge)
    chains = {FLOAT_PRE: [], FLOAT_POST: []}
    for fip in sorted(wanted):
        fixed, bridge = wanted[fip]
        chains[FLOAT_PRE].append(_line(
            FLOAT_PRE, '-d %s/32' % fip, 'DNAT --to-destination %s' % fixed))
        chains[FLOAT_POST].append(_line(
            FLOAT_POST, '-s %s/32 ! -o %s' % (fixed, bridge),
            'SNAT --to-source %s' % fip))
    return chains, {str(f): str(v[0]) for f, v in wanted.items()}, errors


# -- what the host has ----------------------------------------------------

_KEEP_NAMES = frozenset(_NAMED.values())


def _canonical(line):
    """A saved rule as filter_state renders it: iptables-save prints
    protocols by their /etc/protocols name, nube by number."""
    if ' -p ' not in line:
        return line
    words = line.split(' ')
    for i in range(len(words) - 1):
        if words[i] == '-p' and not words[i + 1].isdigit() and \
                words[i + 1] not in _KEEP_NAMES:
            try:
                words[i + 1] = str(socket.getprotobyname(words[i + 1]))
            except OSError:
                pass
    return ' '.join(words)


def parse_save(text):
    """{chain: [rule lines]} of one table of ``iptables-save -t`` output."""
    chains = {}
    for line in text.splitlines():
        if line.startswith(':'):
            chains.setdefault(line[1:].split(' ', 1)[0], [])
        elif line.startswith('-A '):
            chains.setdefault(line.split(' ', 2)[1], []).append(
                _canonical(line))
    return chains


def parse_ipsets(text):
    """{name: [members]} of nube's sets in ``ipset save`` output."""
    sets = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and _SET.fullmatch(words[1]):
            if words[0] == 'create':
                sets.setdefault(words[1], set())
            elif words[0] == 'add' and len(words) >= 3:
                sets.setdefault(words[1], set()).add(words[2])
    return {name: sorted(members, key=_address_order)
            for name, members in sets.items()}


def _address_order(text):
    """Sort key of a set member: numeric for addresses (as filter_state
    orders them), anything else after them."""
    try:
        return (0, int(ipaddress.IPv4Address(text)), '')
    except ValueError:
        return (1, 0, text)


def _ours_filter(chain):
    return chain in (SG_CHAIN, IN_CHAIN, OK_CHAIN) or chain.startswith(
        _FILTER_PREFIXES)


def _ours_nat(chain):
    return chain in (FLOAT_PRE, FLOAT_POST)


def _jump(chain, target):
    return '-A %s -j %s' % (chain, target)


def _same(want, have, head):
    """Whether a chain whose rule order does not matter (``head``: but
    for its last rule) already holds ``want``."""
    if head and (want[-1:] != have[-1:]):
        return False
    return len(want) == len(have) and set(want) == set(have)


def _edits(chain, want, have, head):
    """-D and -A (-I 1 for ``head`` chains, whose last rule stays last)
    lines turning rules ``have`` of ``chain`` into ``want`` when their
    order does not matter; None when a rewrite is shorter or needed."""
    if head and (not want or want[-1:] != have[-1:]):
        return None
    if len(set(want)) != len(want) or len(set(have)) != len(have):
        return None
    prefix = '-A %s ' % chain
    wanted, held = set(want), set(have)
    gone = [line[len(prefix):] for line in have if line not in wanted]
    new = [line[len(prefix):] for line in want if line not in held]
    if len(gone) + len(new) >= len(want):
        return None
    lines = ['-D %s %s' % (chain, spec) for spec in gone]
    if head:
        return lines + ['-I %s 1 %s' % (chain, spec)
                        for spec in reversed(new)]
    return lines + ['-A %s %s' % (chain, spec) for spec in new]


def restore_input(table, desired, current, ours, jumps=(), unordered=(),
                  head_ordered=()):
    """``iptables-restore --noflush`` text making ``current`` (parsed
    save of ``table``) match ``desired``: only the chains that differ are
    touched. A chain in ``unordered`` (its rules' order does not matter)
    or ``head_ordered`` (only its last rule's place matters) gets just
    the rules that come and go (-D, -A or -I 1), so one floating IP or
    port among thousands is a line or two; other chains are declared
    (which flushes them) and rewritten. Chains ``ours`` says are nube's
    that are no longer wanted are flushed and deleted; ``jumps``:
    (builtin chain, position, target) to insert. Returns (text or '',
    [changed chains], [deleted chains])."""
    def differs(chain):
        have = current.get(chain)
        if have is not None and (chain in unordered or
                                 chain in head_ordered):
            return not _same(desired[chain], have, chain in head_ordered)
        return have != desired[chain]
    changed = [c for c in sorted(desired) if differs(c)]
    stale = sorted(c for c in current if ours(c) and c not in desired)
    if not (changed or stale or jumps):
        return '', [], []
    edits, rewrite = [], []
    for chain in changed:
        lines = None
        if chain in current and (chain in unordered or
                                 chain in head_ordered):
            lines = _edits(chain, desired[chain], current[chain],
                           chain in head_ordered)
        if lines is None:
            rewrite.append(chain)
        else:
            edits += lines
    lines = ['*%s' % table]
    lines += [':%s - [0:0]' % c for c in rewrite + stale]
    for chain in rewrite:
        lines += desired[chain]
    lines += edits
    lines += ['-I %s %d -j %s' % jump for jump in jumps]
    lines += ['-X %s' % c for c in stale]
    lines.append('COMMIT')
    return '\n'.join(lines) + '\n', changed, stale


def ipset_input(desired, current):
    """``ipset -exist restore`` text: a new set is made with its members;
    a changed one is filled as ``<name>-t`` and swapped in, so a rule
    never sees it half-built. (text or '', [sets written])."""
    lines, written = [], []
    for name in sorted(desired):
        members = desired[name]
        if current.get(name) == members:
            continue
        written.append(name)
        target = name + '-t' if name in current else name
        lines += ['create %s %s' % (target, SET_TYPE), 'flush %s' % target]
        lines += ['add %s %s' % (target, m) for m in members]
        if target != name:
            lines += ['swap %s %s' % (target, name), 'destroy %s' % target]
    return ''.join(line + '\n' for line in lines), written


def _raise(errors, shown=10):
    if errors:
        more = len(errors) - shown
        raise exceptions.HostNetworkError(reason='; '.join(
            errors[:shown] + (['and %d more' % more] if more > 0 else [])))


class FirewallMixin:
    """apply_filters, apply_nat and their cleanup for LinuxNetDriver.

    Relies on the driver for ``_run(argv, input=None, check=True)``
    (commands in the host namespace), ``_lock``, ``ipset`` and
    ``conntrack`` (paths of those commands or None)."""

    _netfilter_checked = False

    def _saved(self, table):
        return parse_save(self._run(['iptables-save', '-t', table]).stdout)

    def _restore(self, text):
        self._run(['iptables-restore', '-w', '--noflush'], input=text)

    def _ipsets(self):
        if not self.ipset:
            return {}
        return parse_ipsets(self._run([self.ipset, 'save']).stdout)

    def _check_netfilter(self):
        """Say once if bridged traffic skips iptables here: then only
        routed traffic (floating IPs, between networks) is filtered."""
        if self._netfilter_checked:
            return
        self._netfilter_checked = True
        try:
            out = self._run(['sysctl', '-n',
                             'net.bridge.bridge-nf-call-iptables'],
                            check=False).stdout.strip()
        except exceptions.HostNetworkError as exc:
            out = 'unreadable (%s)' % _reason(exc)
        if out != '1':
            LOG.warning('net.bridge.bridge-nf-call-iptables is %r here, not '
                        '1 (modprobe br_netfilter): security groups do not '
                        'filter traffic between ports of one bridge',
                        out or 'absent')

    def apply_filters(self, ports, groups):
        """See NetworkDriver; returns what changed: {'chains': rewritten,
        'removed': deleted chains, 'sets': sets written}."""
        chains, sets, errors = filter_state(ports, groups,
                                            ipset=bool(self.ipset))
        with self._lock:
            self._check_netfilter()
            current = self._saved('filter')
            forward = current.get('FORWARD', [])
            jumps = []
            if _jump('FORWARD', SG_CHAIN) not in forward:
                # After the isolation chain: its drops come first.
                after = _jump('FORWARD', ISOLATION_CHAIN)
                jumps.append(('FORWARD', forward.index(after) + 2
                              if after in forward else 1, SG_CHAIN))
            text, rewritten, removed = restore_input(
                'filter', chains, current, _ours_filter, jumps,
                unordered=(IN_CHAIN,), head_ordered=(SG_CHAIN,))
            have = self._ipsets()
            set_text, written = ipset_input(sets, have)
            if set_text:
                self._run([self.ipset, '-exist', 'restore'], input=set_text)
            if text:
                LOG.info('Security groups: rewriting %d chains, removing %d',
                         len(rewritten), len(removed))
                self._restore(text)
            swapped = {name + '-t' for name in written}
            for name in sorted(set(have) - set(sets) - swapped):
                self._run([self.ipset, 'destroy', name])
        _raise(errors)
        return {'chains': rewritten, 'removed': removed, 'sets': written}

    def apply_nat(self, floating):
        """See NetworkDriver; returns the rewritten chains."""
        chains, wanted, errors = nat_state(floating)
        with self._lock:
            current = self._saved('nat')
            jumps = [(builtin, 1, target) for builtin, target in (
                ('PREROUTING', FLOAT_PRE), ('OUTPUT', FLOAT_PRE),
                ('POSTROUTING', FLOAT_POST))
                if _jump(builtin, target) not in current.get(builtin, [])]
            text, rewritten, _ = restore_input(
                'nat', chains, current, _ours_nat, jumps,
                unordered=(FLOAT_PRE, FLOAT_POST))
            if text:
                LOG.info('Floating IPs: %d translations', len(wanted))
                self._restore(text)
                self._forget_flows(current.get(FLOAT_PRE, []), wanted)
        _raise(errors)
        return rewritten

    def _forget_flows(self, old_rules, wanted):
        """Drop the tracked connections of floating IPs that moved or went
        away: conntrack would keep translating them the old way."""
        if not self.conntrack:
            return
        for line in old_rules:
            found = re.fullmatch(r'-A %s -d (\S+)/32 -j DNAT '
                                 r'--to-destination (\S+)' % FLOAT_PRE, line)
            if not found or wanted.get(found.group(1)) == found.group(2):
                continue
            fip = str(base.validate_ipv4(found.group(1)))
            for flag in ('--orig-dst', '--reply-dst'):
                self._run([self.conntrack, '-D', flag, fip], check=False)

    def _cleanup_firewall(self):
        """Remove nube's filter and nat chains, their jumps, its sets."""
        for table, jumps, ours in (
                ('filter', [('FORWARD', SG_CHAIN)], _ours_filter),
                ('nat', [('PREROUTING', FLOAT_PRE), ('OUTPUT', FLOAT_PRE),
                         ('POSTROUTING', FLOAT_POST)], _ours_nat)):
            current = self._saved(table)
            mine = sorted(c for c in current if ours(c))
            lines = [':%s - [0:0]' % c for c in mine]
            lines += ['-D %s -j %s' % (builtin, target)
                      for builtin, target in jumps
                      for rule in current.get(builtin, [])
                      if rule == _jump(builtin, target)]
            lines += ['-X %s' % c for c in mine]
            if lines:
                self._restore('*%s\n%s\nCOMMIT\n' % (table, '\n'.join(lines)))
        sets = self._ipsets()
        if sets:
            self._run([self.ipset, 'restore'], input=''.join(
                'destroy %s\n' % name for name in sorted(sets)))

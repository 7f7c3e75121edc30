"""Pass hosts that can run the image's architecture, hypervisor and mode.

The image may ask for an architecture (``hw_architecture``, legacy
``architecture``), a hypervisor type (``img_hv_type``, legacy
``hypervisor_type``), a VM mode (``hw_vm_mode``, legacy ``vm_mode``) and a
hypervisor version range (``img_hv_requested_version``, legacy
``hypervisor_version_requires``, e.g. '>=6.0, <8.0'). A host passes when
one of its ``supported_instances`` triples matches every requested part
and its hypervisor version satisfies the range. An image asking for none
of the three passes everywhere; a host advertising nothing passes only
such images.
"""

import re

from oslo_log import log as logging
from oslo_utils import versionutils

from nube.scheduler import filters

LOG = logging.getLogger(__name__)

_ARCH_ALIASES = {'i386': 'i686', 'i486': 'i686', 'i586': 'i686',
                 'x86_32': 'i686', 'x86_32p': 'i686', 'amd64': 'x86_64'}
_HV_ALIASES = {'xapi': 'xen'}
_MODE_ALIASES = {'pv': 'xen', 'hv': 'hvm', 'baremetal': 'hvm'}

_PREDICATE = re.compile(r'^\s*(<=|>=|==|!=|<|>)\s*(\d+(?:\.\d+)*)\s*$')
_COMPARE = {
    '<': lambda a, b: a < b, '<=': lambda a, b: a <= b,
    '==': lambda a, b: a == b, '!=': lambda a, b: a != b,
    '>': lambda a, b: a > b, '>=': lambda a, b: a >= b,
}


def _canonical(value, aliases):
    if not value:
        return None
    value = str(value).lower()
    return aliases.get(value, value)


def _prop(props, name, legacy):
    return props.get(name) or props.get(legacy)


def requested(image):
    """(arch, hv_type, vm_mode, version range) the image asks for."""
    props = (image or {}).get('properties') or {}
    return (_canonical(_prop(props, 'hw_architecture', 'architecture'),
                       _ARCH_ALIASES),
            _canonical(_prop(props, 'img_hv_type', 'hypervisor_type'),
                       _HV_ALIASES),
            _canonical(_prop(props, 'hw_vm_mode', 'vm_mode'),
                       _MODE_ALIASES),
            _prop(props, 'img_hv_requested_version',
                  'hypervisor_version_requires'))


def _version_tuple(text, width):
    parts = [int(p) for p in text.split('.')]
    return tuple(parts + [0] * (width - len(parts)))


def version_satisfies(hypervisor_version, predicate):
    """Whether integer version (e.g. 8000000 = 8.0.0) meets '>=6.0, <9'.

    No requirement or an unknown (0) host version passes; a requirement
    that does not parse fails.
    """
    if not (hypervisor_version and predicate):
        return True
    have = versionutils.convert_version_to_str(hypervisor_version)
    for clause in str(predicate).split(','):
        match = _PREDICATE.match(clause)
        if not match:
            LOG.warning('Unparseable img_hv_requested_version %r', predicate)
            return False
        op, want = match.groups()
        width = max(len(have.split('.')), len(want.split('.')))
        if not _COMPARE[op](_version_tuple(have, width),
                            _version_tuple(want, width)):
            return False
    return True


def _supports(supported_instances, hypervisor_version, wanted):
    arch, hv_type, vm_mode, versions = wanted
    if not supported_instances:
        return False
    for triple in supported_instances:
        if ((arch is None or arch == triple[0]) and
                (hv_type is None or hv_type == triple[1]) and
                (vm_mode is None or vm_mode == triple[2])):
            if version_satisfies(hypervisor_version, versions):
                return True
    return False


class ImagePropertiesFilter(filters.BaseHostFilter):
    """Image architecture / hypervisor type / VM mode / version range."""

    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        wanted = requested(spec.get('image'))
        if not any(wanted[:3]):
            return True
        return _supports(host_state.supported_instances,
                         host_state.hypervisor_version, wanted)

    def filter_all(self, host_states, spec):
        wanted = requested(spec.get('image'))
        if not any(wanted[:3]):
            return list(host_states)
        # Hosts mostly share a few (supported_instances, version) pairs:
        # answer each pair once per request.
        seen = {}
        result = []
        for h in host_states:
            key = (h.supported_instances, h.hypervisor_version)
            try:
                ok = seen.get(key)
            except TypeError:  # a list, not HostState's tuple
                key = None
                ok = _supports(h.supported_instances, h.hypervisor_version,
                               wanted)
            if ok is None:
                ok = seen[key] = _supports(key[0], key[1], wanted)
            if ok:
                result.append(h)
        return result

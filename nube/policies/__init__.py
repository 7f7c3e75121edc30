"""Policy defaults in code, one module per resource.

``list_rules`` is the ``oslo.policy.policies`` entry point (``nube``), so
``oslopolicy-sample-generator --namespace nube`` writes a sample file and
a policy file needs to name only the rules it changes.
"""

import itertools

from nube.policies import aggregates
from nube.policies import attach_interfaces
from nube.policies import availability_zones
from nube.policies import base
from nube.policies import flavors
from nube.policies import floating_ips
from nube.policies import hypervisors
from nube.policies import image_members
from nube.policies import images
from nube.policies import keypairs
from nube.policies import limits
from nube.policies import lock_server
from nube.policies import networks
from nube.policies import os_networks
from nube.policies import quotas
from nube.policies import security_groups
from nube.policies import server_groups
from nube.policies import server_metadata
from nube.policies import servers
from nube.policies import services

MODULES = [base, servers, flavors, hypervisors, services,
           availability_zones, limits, images, image_members, lock_server,
           server_metadata, keypairs, networks, attach_interfaces,
           os_networks, floating_ips, security_groups]
MODULES += [aggregates]
MODULES += [quotas]
MODULES += [server_groups]


def list_rules():
    return list(itertools.chain.from_iterable(
        module.list_rules() for module in MODULES))

"""Console scripts. Importing this package monkey-patches eventlet first:
every nube service is green-threaded (see doc/architecture.md)."""

import os
import warnings

# eventlet warns on import, before its EventletDeprecationWarning class
# can be named: match its message, which starts with a newline.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
warnings.filterwarnings('ignore', category=DeprecationWarning,
                        module='eventlet')
# eventlet imports dnspython, whose DNSSEC module names cryptography's DSA
# classes at import time; cryptography >= 51 warns about each (DSA is
# deprecated). nube does no DNSSEC: only those warnings, from that module.
warnings.filterwarnings('ignore', message=r'DSA is deprecated',
                        module=r'dns\.dnssecalgs\.dsa')

if os.environ.get('NUBE_NO_MONKEY_PATCH') != '1':
    import eventlet

    eventlet.monkey_patch()

    from nube import green

    green.speed_up_current_thread()

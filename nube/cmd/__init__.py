"""Console scripts. Importing this package monkey-patches eventlet first:
every nube service is green-threaded (see doc/architecture.md)."""

import os
import warnings

warnings.filterwarnings('ignore', message='.*[Ee]ventlet is deprecated.*')
warnings.filterwarnings('ignore', category=DeprecationWarning,
                        module='eventlet')

if os.environ.get('NUBE_NO_MONKEY_PATCH') != '1':
    import eventlet

    eventlet.monkey_patch()

    from nube import green

    green.speed_up_current_thread()

"""pytest fixtures for functional tests (helpers live in fixtures.py).

A missing MariaDB or RabbitMQ makes the tests that need it FAIL, so a CI
machine without services cannot pass by skipping everything.  Set
NUBE_FUNCTIONAL_ALLOW_SKIP=1 to skip them instead.

  databases          {'api': url, 'cell1': url}, fresh and dropped after
  database_factory   database_factory('api', 'cell1', 'cell2') -> urls
  transport_url      rabbit://nube:nube@127.0.0.1:5672/<fresh vhost>
  vhost_factory      vhost_factory() -> another transport URL
  service_factory    service_factory('nube-api', config={...}, args=[...])
                     -> started ServiceProcess, stopped at teardown
  nube_config        base config dict wiring the databases and the vhost
"""

import os

import pytest

from tests.functional import fixtures

ALLOW_SKIP = os.environ.get('NUBE_FUNCTIONAL_ALLOW_SKIP') == '1'
_SERVICES = pytest.StashKey[list]()


def _unavailable(exc):
    if ALLOW_SKIP:
        pytest.skip(str(exc))
    pytest.fail('%s\nRun tools/install_services.sh as root to provide it, '
                'or set NUBE_FUNCTIONAL_ALLOW_SKIP=1 to skip.' % exc,
                pytrace=False)


def _check(server):
    try:
        server.check()
        return
    except fixtures.ServiceUnavailable as exc:
        error = exc
    _unavailable(error)   # outside `except`: no chained traceback noise


def checked_servers():
    """(DatabaseServer, RabbitServer), both usable, for clouds a fixture
    starts itself; fails (or skips) as above when one is missing."""
    db_server, rabbit = fixtures.DatabaseServer(), fixtures.RabbitServer()
    _check(db_server)
    _check(rabbit)
    return db_server, rabbit


@pytest.fixture(scope='session')
def db_server():
    server = fixtures.DatabaseServer()
    _check(server)
    server.drop_stale()
    return server


@pytest.fixture
def database_factory(db_server):
    created = []

    def create(*suffixes):
        names = db_server.create_set(suffixes or ('db',))
        created.extend(names.values())
        return {suffix: db_server.url_for(name)
                for suffix, name in names.items()}

    yield create
    for name in created:
        db_server.drop(name)


@pytest.fixture
def databases(database_factory):
    return database_factory('api', 'cell1')


@pytest.fixture(scope='session')
def rabbit_server():
    server = fixtures.RabbitServer()
    _check(server)
    server.drop_stale()
    return server


@pytest.fixture
def vhost_factory(rabbit_server):
    created = []

    def create():
        created.append(rabbit_server.create_vhost())
        return rabbit_server.transport_url(created[-1])

    yield create
    for name in created:
        rabbit_server.delete_vhost(name)


@pytest.fixture
def transport_url(vhost_factory):
    return vhost_factory()


@pytest.fixture
def nube_config(databases, transport_url, tmp_path):
    """The options every nube service needs; tests add their own."""
    return {
        'DEFAULT': {'transport_url': transport_url, 'debug': True,
                    'state_path': str(tmp_path / 'state')},
        'api_database': {'connection': databases['api']},
        'database': {'connection': databases['cell1']},
    }


@pytest.fixture
def service_factory(request, tmp_path):
    services = request.node.stash.setdefault(_SERVICES, [])
    log_dir = tmp_path / 'logs'

    def start(name, config=None, args=(), env=None):
        """Start console script `name`; config is a dict or a file path."""
        config_file = config
        if isinstance(config, dict):
            config_file = fixtures.write_config(
                tmp_path / ('%s-%d.conf' % (name, len(services))), config)
        svc = fixtures.ServiceProcess(name, config_file, args,
                                      log_dir=log_dir, env=env)
        services.append(svc)
        return svc.start()

    yield start
    for svc in reversed(services):
        svc.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach each service's log tail to the report of a failed phase."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for svc in item.stash.get(_SERVICES, []):
            report.sections.append((
                '%s log tail (%s, exit %s)' % (svc.name, svc.log_path,
                                               svc.returncode),
                svc.tail()))

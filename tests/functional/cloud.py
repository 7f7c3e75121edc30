"""A whole nube cloud as separate OS processes, for functional tests.

MariaDB databases and a RabbitMQ vhost of its own; nube-manage sets up
cells; then a conductor, schedulers, computes (libvirt test:/// hosts of
the sizes asked for, or fake hosts) and the API each run as their own
process. Computes get no database options at all.
"""

import os
import subprocess

import requests

from tests.functional import fixtures

NODE_XML = """<node>
  <cpu>
    <mhz>2000</mhz>
    <model>x86_64</model>
    <nodes>1</nodes><sockets>1</sockets>
    <cores>%(cpus)d</cores><threads>1</threads>
    <active>%(cpus)d</active>
  </cpu>
  <memory>%(memory_kib)d</memory>
</node>
"""

# Short intervals so deadlines and heartbeats play out within a test.
FAST = {
    'DEFAULT': {'report_interval': 1, 'service_down_time': 6},
    'scheduler': {'host_refresh_interval': 1, 'reaper_interval': 1,
                  'build_request_timeout': 30},
    'conductor': {'reaper_interval': 1, 'scheduling_timeout': 8,
                  'spawning_timeout': 30, 'task_timeout': 30},
    'compute': {'resource_report_interval': 2},
    # Tests boot more servers per project than Nova's default quota (10);
    # the quota tests set their own limits through os-quota-sets.
    'quota': {'instances': -1, 'cores': -1, 'ram': -1},
}


def _merge(*configs):
    result = {}
    for config in configs:
        for section, options in config.items():
            result.setdefault(section, {}).update(options)
    return result


class Cloud:
    def __init__(self, workdir, db_server, rabbit_server):
        self.workdir = str(workdir)
        self.db_server = db_server
        self.rabbit = rabbit_server
        self.services = {}
        self.logs = os.path.join(self.workdir, 'logs')
        self._databases = []
        self._vhost = None
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=64)
        self.session.mount('http://', adapter)
        self.session.headers.update({
            'X-Auth-Token': 'admin:admin',
            'X-OpenStack-Nova-API-Version': '2.47'})

    # -- set-up ------------------------------------------------------------

    def prepare(self):
        names = self.db_server.create_set(('api', 'cell0', 'cell1'))
        self._databases = list(names.values())
        self.urls = {k: self.db_server.url_for(v) for k, v in names.items()}
        self._vhost = self.rabbit.create_vhost()
        self.transport_url = self.rabbit.transport_url(self._vhost)
        self.api_port = fixtures.free_tcp_port()
        self.base = _merge(FAST, {
            'DEFAULT': {'transport_url': self.transport_url, 'debug': True,
                        'state_path': os.path.join(self.workdir, 'state')},
        })
        self.db_config = _merge(self.base, {
            'api_database': {'connection': self.urls['api']},
            'database': {'connection': self.urls['cell1']},
        })
        self.manage('api_db', 'sync')
        self.manage('cell_v2', 'map_cell0', '--database_connection',
                    self.urls['cell0'])
        self.manage('cell_v2', 'create_cell', '--name', 'cell1')
        self.manage('db', 'sync', '--cells')

    def _config_file(self, name, config):
        return fixtures.write_config(
            os.path.join(self.workdir, name + '.conf'), config)

    def manage(self, *args):
        path = self._config_file('manage', self.db_config)
        result = subprocess.run(
            [fixtures.script_path('nube-manage'), '--config-file', path]
            + list(args), capture_output=True, text=True, timeout=120)
        if result.returncode:
            raise AssertionError('nube-manage %s failed:\n%s%s' % (
                ' '.join(args), result.stdout, result.stderr))
        return result.stdout

    def start(self, name, script, config):
        svc = fixtures.ServiceProcess(
            script, self._config_file(name, config), log_dir=self.logs)
        self.services[name] = svc.start()
        return svc

    def start_conductor(self):
        return self.start('conductor', 'nube-conductor',
                          _merge(self.db_config,
                                 {'DEFAULT': {'host': 'conductor'}}))

    def start_scheduler(self, index):
        return self.start('scheduler-%d' % index, 'nube-scheduler',
                          _merge(self.db_config,
                                 {'DEFAULT': {'host': 'sched-%d' % index}}))

    def start_compute(self, host, cpus=None, memory_mb=None, extra=None):
        """A compute on a libvirt test:/// node of that size (or fake)."""
        config = _merge(self.base, {'DEFAULT': {
            'host': host, 'cpu_allocation_ratio': 1.0,
            'ram_allocation_ratio': 1.0}}, extra or {})
        if cpus is not None:
            node = os.path.join(self.workdir, '%s-node.xml' % host)
            with open(node, 'w') as f:
                f.write(NODE_XML % {'cpus': cpus,
                                    'memory_kib': memory_mb * 1024})
            config = _merge(config, {
                'compute': {'compute_driver': 'libvirt'},
                'libvirt': {'connection_uri': 'test://' + node}})
        else:
            config = _merge(config, {'compute': {'compute_driver': 'fake'}})
        assert 'database' not in config and 'api_database' not in config
        return self.start(host, 'nube-compute', config)

    def start_api(self):
        svc = self.start('api', 'nube-api', _merge(self.db_config, {
            'api': {'listen': '127.0.0.1', 'port': self.api_port}}))
        svc.wait_for_http(self.url('/'), timeout=30)
        return svc

    def url(self, path):
        return 'http://127.0.0.1:%d%s' % (self.api_port, path)

    # -- HTTP helpers --------------------------------------------------------

    def get(self, path, **kwargs):
        resp = self.session.get(self.url('/v2.1' + path), timeout=30,
                                **kwargs)
        assert resp.status_code == 200, (path, resp.status_code, resp.text)
        return resp.json()

    def post(self, path, body, expect=(200, 202)):
        resp = self.session.post(self.url('/v2.1' + path), json=body,
                                 timeout=30)
        assert resp.status_code in expect, (path, resp.status_code,
                                            resp.text)
        return resp.json() if resp.content else None

    def delete(self, path):
        resp = self.session.delete(self.url('/v2.1' + path), timeout=30)
        assert resp.status_code in (202, 204), (path, resp.status_code,
                                                resp.text)

    def hypervisors(self):
        return self.get('/os-hypervisors/detail')['hypervisors']

    def wait_for_hypervisors(self, count, timeout=60):
        def enough():
            self.manage('cell_v2', 'discover_hosts')
            hvs = [h for h in self.hypervisors() if h['state'] == 'up']
            return len(hvs) >= count and hvs
        return fixtures.poll(enough, timeout, interval=0.5,
                             message='%d hypervisors never came up' % count)

    # -- teardown ------------------------------------------------------------

    def stop(self):
        for svc in reversed(list(self.services.values())):
            svc.stop()
        for name in self._databases:
            self.db_server.drop(name)
        if self._vhost:
            self.rabbit.delete_vhost(self._vhost)

    def dump_logs(self, lines=40):
        return '\n'.join('== %s ==\n%s' % (name, svc.tail(lines))
                         for name, svc in self.services.items())


def module_cloud(tmp_path_factory, request, start, cls=None, servers=None):
    """Body of a module-scoped ``cloud`` fixture: a cloud (``cls``, default
    Cloud) on the checked MariaDB and RabbitMQ (or the ``servers`` given,
    a (DatabaseServer, RabbitServer) pair), started by ``start(c)``,
    stopped after the module; the services' logs are printed if anything
    failed."""
    from tests.functional import conftest
    db_server, rabbit = servers or conftest.checked_servers()
    cloud = (cls or Cloud)(tmp_path_factory.mktemp('cloud'), db_server,
                           rabbit)
    try:
        cloud.prepare()
        start(cloud)
        yield cloud
    except Exception:
        print(cloud.dump_logs())
        raise
    finally:
        if request.session.testsfailed:
            print(cloud.dump_logs())
        cloud.stop()

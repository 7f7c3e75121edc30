"""devstack's shell pieces that decide things without touching the host:
local.conf precedence, bindep selection, service names, cell URLs."""

import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DEVSTACK = os.path.join(TOP, 'devstack')


def bash(script, env=None, local_conf=None, tmp_path=None):
    """Run ``script`` after sourcing stackrc (+ libs); return stdout."""
    full_env = {'PATH': os.environ['PATH'], 'HOME': str(tmp_path)}
    full_env['LOCAL_CONF'] = str(tmp_path / 'none.conf')
    if local_conf is not None:
        path = tmp_path / 'local.conf'
        path.write_text(local_conf)
        full_env['LOCAL_CONF'] = str(path)
    full_env.update(env or {})
    prelude = ('set -euo pipefail; source %(d)s/stackrc; '
               'source %(d)s/lib/functions; source %(d)s/lib/bindep; '
               'source %(d)s/lib/nube; ' % {'d': DEVSTACK})
    result = subprocess.run(['bash', '-c', prelude + script],
                            env=full_env, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_defaults_without_local_conf(tmp_path):
    out = bash('echo $VIRT_DRIVER $IMAGE_STORE $NUM_CELLS $LIBVIRT_TYPE '
               '$STATE_DIR', tmp_path=tmp_path)
    assert out.split() == ['libvirt', 'file', '1', 'auto', '/opt/stack/data']


def test_local_conf_section_and_environment_precedence(tmp_path):
    conf = ('# comment\nIGNORED=1\n[[local|localrc]]\nIMAGE_STORE=swift\n'
            'NUM_CELLS=2\nADMIN_PASSWORD="a b"\nDEST=/srv/stack\n'
            '[[post-config|/etc/x]]\nVIRT_DRIVER=never\n')
    out = bash('echo "$IMAGE_STORE|$NUM_CELLS|$ADMIN_PASSWORD|$STATE_DIR|'
               '$VIRT_DRIVER|${IGNORED:-unset}"', env={'NUM_CELLS': '3'},
               local_conf=conf, tmp_path=tmp_path)
    # The environment beats local.conf; only [[local|localrc]] is read;
    # later defaults follow earlier settings (STATE_DIR from DEST).
    assert out.strip() == 'swift|3|a b|/srv/stack/data|libvirt|unset'


def test_plain_local_conf_is_read_whole(tmp_path):
    out = bash('echo $VIRT_DRIVER', local_conf='VIRT_DRIVER=fake\n',
               tmp_path=tmp_path)
    assert out.strip() == 'fake'


def test_bindep_selection(tmp_path):
    bindep = tmp_path / 'bindep.txt'
    bindep.write_text('always\nonly-test [test]\ncompiler [compile]\n'
                      'deb-only [platform:dpkg test]\n'
                      'rpm-only [platform:rpm]\nnot-test [!test]\n')
    out = bash('bindep_packages %s "test"' % bindep, tmp_path=tmp_path)
    selected = out.split()
    assert 'always' in selected and 'only-test' in selected
    assert 'compiler' not in selected and 'rpm-only' not in selected
    assert 'not-test' not in selected
    # dpkg is the platform here (Debian); elsewhere the line is skipped.
    if os.path.exists('/usr/bin/dpkg'):
        assert 'deb-only' in selected


def test_service_names_and_devstack_aliases(tmp_path):
    out = bash('normalize_services "key,g-api,n-cpu,api,mysql"; '
               'ENABLED_SERVICES=n-sch,key; is_service_enabled scheduler && '
               'echo yes; is_service_enabled compute || echo no',
               tmp_path=tmp_path)
    assert out.split() == ['identity', 'image-api', 'compute', 'api', 'yes',
                           'no']


def test_unknown_service_is_refused(tmp_path):
    result = subprocess.run(
        ['bash', '-c', 'source %s/stackrc; source %s/lib/functions; '
         'source %s/lib/nube; ENABLED_SERVICES=api,bogus '
         'check_enabled_services' % (DEVSTACK, DEVSTACK, DEVSTACK)],
        capture_output=True, text=True, timeout=30,
        env={'PATH': os.environ['PATH'],
             'LOCAL_CONF': str(tmp_path / 'none')})
    assert result.returncode != 0
    assert "unknown service 'bogus'" in result.stdout


def test_names_in_shared_servers_carry_the_prefix(tmp_path):
    out = bash('NUM_CELLS=2; DATABASE_PASSWORD=pw; RABBIT_PASSWORD=rpw; '
               'db_url cell2; transport_url; transport_url cell1; '
               'cell_names; VIRT_DRIVER=libvirt compute_cells; '
               'compute_host cell1; compute_host cell2',
               env={'COMPUTE_HOST': 'h1'}, tmp_path=tmp_path)
    lines = out.split()
    assert lines[0] == ('mysql+pymysql://nubestack:pw@127.0.0.1/'
                        'nubestack_cell2?charset=utf8mb4')
    assert lines[1] == 'rabbit://nubestack:rpw@127.0.0.1:5672/nubestack'
    assert lines[2] == ('rabbit://nubestack:rpw@127.0.0.1:5672/'
                        'nubestack_cell1')
    assert lines[3:5] == ['cell1', 'cell2']
    # One libvirt per host: only cell1 gets a compute.
    assert lines[5:] == ['cell1', 'h1', 'h1-cell2']


def test_passwords_are_percent_encoded_in_urls(tmp_path):
    out = bash("DATABASE_PASSWORD='p@ss:w/rd%$x'; RABBIT_PASSWORD='a b'; "
               'db_url api; transport_url', tmp_path=tmp_path)
    lines = out.split()
    assert lines[0] == ('mysql+pymysql://nubestack:p%40ss%3Aw%2Frd%25%24x'
                        '@127.0.0.1/nubestack_api?charset=utf8mb4')
    assert lines[1] == 'rabbit://nubestack:a%20b@127.0.0.1:5672/nubestack'


def test_max_connections_cover_the_connection_budgets(tmp_path):
    # nube.db.budget from this venv; MariaDB replaced by a recorder.
    conf_dir = tmp_path / 'etc'
    conf_dir.mkdir()
    for name in ('nube.conf', 'nube_cell1.conf', 'nube_cell2.conf'):
        (conf_dir / name).write_text('[DEFAULT]\n')
    (conf_dir / 'nube_cell2.conf').write_text(
        '[database]\nmax_pool_size = 2\nmax_overflow = 3\n')
    log = tmp_path / 'mysql.log'
    dropin = tmp_path / 'conf.d' / '99-nube.cnf'
    dropin.parent.mkdir()
    out = bash(
        'source %s/lib/mariadb; '
        'mysql() { case "$*" in *@@max_connections*) echo 151 ;; '
        '*Threads_connected*) printf "Threads_connected\\t7\\n" ;; '
        '*) echo "$*" >>%s ;; esac; }; stack_log() { :; }; '
        'NUM_CELLS=2; nube_connection_budget api conductor-cell2 compute; '
        'nube_set_max_connections identity image-registry image-api api '
        'scheduler conductor-cell1 conductor-cell2' % (DEVSTACK, log),
        env={'NUBE_VENV': os.path.dirname(os.path.dirname(
            os.path.abspath(sys.executable))),
             'NUBE_CONF_DIR': str(conf_dir), 'PYTHONPATH': TOP,
             'MARIADB_CONF_DROPIN': str(dropin)},
        tmp_path=tmp_path)
    lines = out.splitlines()
    # api: API DB + cell0..cell2, 16 + 32 each; conductor-cell2: 2 + 3.
    assert lines[0] == '197'
    # identity 55 + registry 55 (oslo.db's 5 + 50), api 192, scheduler
    # 192, conductors 48 + 5; then 7 connected now and the headroom 50.
    want = 55 + 55 + 192 + 192 + 48 + 5 + 7 + 50
    assert lines[1] == 'mariadb: max_connections 151 -> %d' % want
    assert log.read_text().split('\n')[0] == (
        '-uroot -e SET GLOBAL max_connections = %d' % want)
    assert 'max_connections = %d' % want in dropin.read_text()


def test_is_true_spellings(tmp_path):
    out = bash('for v in True true yes 1 on False no 0 ""; do '
               'is_true "$v" && echo -n y || echo -n n; done',
               tmp_path=tmp_path)
    assert out == 'yyyyynnnn'


def test_clients_are_reused_while_the_packages_are_unchanged(tmp_path):
    venv = tmp_path / 'venv'
    (venv / 'bin').mkdir(parents=True)
    pip = venv / 'bin' / 'pip'
    # A pip that records what it was asked and "installs" openstack.
    pip.write_text('#!/bin/bash\necho "$@" >>"%s/pip.calls"\n'
                   'touch "%s/bin/openstack"; chmod +x "%s/bin/openstack"\n'
                   % (tmp_path, venv, venv))
    pip.chmod(0o755)
    env = {'NUBE_VENV': str(venv)}
    bash('nube_install_clients', env=env, tmp_path=tmp_path)
    bash('nube_install_clients', env=env, tmp_path=tmp_path)
    calls = (tmp_path / 'pip.calls').read_text().splitlines()
    assert len(calls) == 1
    assert 'python-openstackclient>=7.0.0' in calls[0]
    # Other packages: installed again.
    bash('nube_install_clients', env=dict(env, CLIENT_PACKAGES='x>=1'),
         tmp_path=tmp_path)
    assert (tmp_path / 'pip.calls').read_text().splitlines()[-1] == \
        'install -q x>=1'


def test_venv_of_another_checkout_is_pointed_at_this_one(tmp_path):
    """A venv reused from a removed checkout must not keep its nube."""
    venv = tmp_path / 'venv'
    (venv / 'bin').mkdir(parents=True)
    source = tmp_path / 'source'
    source.write_text('/gone/checkout\n')
    # A python that answers where nube imports from, and a pip that
    # records its call and "re-points" the editable install.
    (venv / 'bin' / 'python').write_text(
        '#!/bin/bash\ncat "%s"\n' % source)
    (venv / 'bin' / 'pip').write_text(
        '#!/bin/bash\necho "$@" >>"%s/pip.calls"\n'
        'echo "%s" >"%s"\n' % (tmp_path, os.path.realpath(TOP), source))
    (venv / 'bin' / 'nube-api').write_text('')
    for name in ('python', 'pip', 'nube-api'):
        (venv / 'bin' / name).chmod(0o755)
    env = {'NUBE_VENV': str(venv), 'VIRT_DRIVER': 'fake'}
    stamp = bash('_nube_venv_stamp ""', env=env, tmp_path=tmp_path)
    (venv / '.nube-stack-stamp').write_text(stamp)
    bash('nube_install_venv', env=env, tmp_path=tmp_path)
    calls = (tmp_path / 'pip.calls').read_text().splitlines()
    assert calls == ['install -q --no-deps -e %s' % os.path.realpath(TOP)]
    # Now it points here: reused without pip.
    out = bash('nube_install_venv', env=env, tmp_path=tmp_path)
    assert 'up to date, reused' in out
    assert len((tmp_path / 'pip.calls').read_text().splitlines()) == 1


def test_openrc_puts_the_clients_on_path(tmp_path):
    state = tmp_path / 'state'
    state.mkdir()
    subprocess.run(
        [sys.executable, os.path.join(TOP, 'tools', 'devstack_setup.py'),
         'client-config', '--auth-url', 'http://127.0.0.1:5000',
         '--state-dir', str(state), '--compute-url', 'http://x/v2.1',
         '--bin-dir', '/opt/stack/venv/bin'], check=True,
        env=dict(os.environ, NUBE_STACK_ADMIN_PASSWORD='a',
                 NUBE_STACK_DEMO_PASSWORD='d'), capture_output=True)
    script = ('source %s; source %s; echo "$PATH"'
              % (state / 'demo-openrc', state / 'demo-openrc'))
    out = subprocess.run(['bash', '-c', script], capture_output=True,
                         text=True, env={'PATH': '/usr/bin:/bin'},
                         check=True).stdout.strip()
    # Sourced twice, listed once.
    assert out == '/opt/stack/venv/bin:/usr/bin:/bin'

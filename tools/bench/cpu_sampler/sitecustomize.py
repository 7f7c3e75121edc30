"""CPU-time stack samples of nube services, for boot_storm --profile cpu.

boot_storm puts this directory first on the services' PYTHONPATH, so
Python imports it at start-up; it does nothing unless
NUBE_BENCH_CPU_SAMPLES names a directory and the program is a nube
service. py-spy samples wall-clock time: on a saturated machine a process
preempted inside a send() that woke its peer is "in _send_loop" for
milliseconds that cost it no CPU. This samples the running Python stack
every 2 ms of the process's own CPU time (ITIMER_PROF), in the main
thread, where eventlet runs every green thread.

Phases: on SIGUSR2 the process writes what it sampled in the current
phase to ``<dir>/<pid>-<phase>.txt`` (collapsed stacks, py-spy's raw
format) and starts sampling the phase named in ``<dir>/PHASE`` (none if
empty).
"""

import os
import sys

INTERVAL = 0.002


def _short(filename):
    for marker in ('site-packages/', '/lib/python3'):
        if marker in filename:
            return filename.split(marker, 1)[1]
    parts = filename.split('/nube/', 1)
    return 'nube/' + parts[1] if len(parts) == 2 else filename


def _install(out_dir):
    import collections
    import signal

    counts = collections.Counter()
    state = {'phase': None}
    pid = os.getpid()

    def read_phase():
        try:
            with open(os.path.join(out_dir, 'PHASE')) as f:
                return f.read().strip() or None
        except OSError:
            return None

    def write(phase, samples):
        path = os.path.join(out_dir, '%d-%s.txt' % (pid, phase))
        with open(path + '.tmp', 'w') as f:
            for stack, count in samples:
                f.write('%s %d\n' % (stack, count))
        os.replace(path + '.tmp', path)

    def switch(signum, frame):
        # Handlers run between any two bytecodes of the service: sampling
        # stops before the counts are copied (one C call), and nothing
        # may raise into the code this interrupted.
        phase, state['phase'] = state['phase'], None
        samples = list(counts.items())
        counts.clear()
        try:
            if phase is not None:
                write(phase, samples)
        except Exception as exc:
            sys.stderr.write('cpu_sampler: %s\n' % exc)
        state['phase'] = read_phase()

    def sample(signum, frame):
        if state['phase'] is None:
            return
        stack = []
        while frame is not None:
            code = frame.f_code
            stack.append('%s (%s)' % (code.co_name,
                                      _short(code.co_filename)))
            frame = frame.f_back
        counts[';'.join(reversed(stack))] += 1

    signal.signal(signal.SIGUSR2, switch)
    signal.signal(signal.SIGPROF, sample)
    signal.setitimer(signal.ITIMER_PROF, INTERVAL, INTERVAL)


def _wanted():
    program = os.path.basename(sys.argv[0]) if sys.argv else ''
    return (os.environ.get('NUBE_BENCH_CPU_SAMPLES') and
            program.startswith('nube-') and program != 'nube-manage')


if _wanted():
    _install(os.environ['NUBE_BENCH_CPU_SAMPLES'])

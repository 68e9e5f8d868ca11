"""bench_servers: how scripts/bench starts each server it measures: the
trivial epoll server, echod on the shipped sample config (ports, address,
control socket moved; connection limits raised when a test needs more),
the seed's Python servers, the inetds' built-in echo, socat, ncat and
systemd-socket-activate.  Each starter returns the argvs to run; ctx gives
the build and work directories and ctx.max_conns.
"""
import os
import re
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = '127.0.0.1'
PY = '/usr/bin/python3'          # Debian's, which has python3-uvloop


def services_ns(ctx, name, tcp, udp, argv):
    """Run argv in a private mount namespace whose /etc/services maps
    "echo" to our ports: the inetds find internal services by that name."""
    svc = ctx.path(f'{name}.services')
    with open(svc, 'w') as f:
        f.write(f'echo\t\t{tcp}/tcp\necho\t\t{udp}/udp\n')
    script = f'mount --bind {svc} /etc/services && exec "$@"'
    return ['unshare', '-m', 'sh', '-c', script, 'sh'] + argv


def srv_epoll(ctx, tcp, udp):
    return [[os.path.join(ctx.build, 'bench', 'epoll_echo'), '-a', HOST,
             '-p', str(tcp), '-u', str(udp)]]


def srv_uring(ctx, tcp, _udp):
    return [[os.path.join(ctx.build, 'bench', 'uring_echo'), '-a', HOST,
             '-p', str(tcp)]]


def srv_echod(ctx, tcp, udp, settings=()):
    echod = os.path.join(ctx.build, 'src', 'echod')
    sample = os.path.join(TOP, 'conf', 'echod.conf')
    if not os.access(echod, os.X_OK) or not os.path.exists(sample):
        raise RuntimeError('echod or conf/echod.conf not built/merged yet')
    with open(sample) as f:
        text = f.read()
    # The shipped sample, with only ports, bind address and control socket
    # moved so that it runs next to anything else.
    text = re.sub(r'(\bport\s*[=:]\s*)8888\b', rf'\g<1>{tcp}', text)
    text = re.sub(r'(\bport\s*[=:]\s*)9999\b', rf'\g<1>{udp}', text)
    text = re.sub(r'(\baddress\s*[=:]\s*)"[^"]*"', rf'\g<1>"{HOST}"', text)
    ctl = ctx.path('echod.ctl')
    text, n = re.subn(r'^(\s*control_socket\s*[=:]\s*)"[^"]*"',
                      rf'\g<1>"{ctl}"', text, flags=re.M)
    if n == 0:
        text = f'control_socket = "{ctl}";\n' + text
    if ctx.max_conns:
        # The memory test holds more idle connections than the sample's
        # max_connections(_total) allow; those limits are all it changes.
        text = re.sub(r'(\bmax_connections(?:_total)?\s*[=:]\s*)\d+',
                      rf'\g<1>{ctx.max_conns}', text)
    for name, value in settings:
        # A variant for an A/B: one global setting of the sample changed.
        text, n = re.subn(rf'^{name}\s*=\s*[^;]*;', f'{name} = {value};',
                          text, flags=re.M)
        if n != 1:
            raise RuntimeError(f'conf/echod.conf has no {name} line')
    conf = ctx.path('echod.conf')
    with open(conf, 'w') as f:
        f.write(text)
    return [[echod, '-c', conf]]


def srv_python(ctx, tcp, udp, uvloop=False):
    argv = [PY, os.path.join(TOP, 'bench', 'seed_server.py'), '--host', HOST,
            '--tcp', str(tcp), '--udp', str(udp)]
    return [argv + (['--uvloop'] if uvloop else [])]


def srv_inetd(ctx, tcp, udp):
    conf = ctx.path('inetd.conf')
    with open(conf, 'w') as f:
        f.write(f'{HOST}:echo stream tcp nowait root internal\n'
                f'{HOST}:echo dgram udp wait root internal\n')
    # -R: the default 256 starts/minute would switch echo off during churn.
    return [services_ns(ctx, 'inetd', tcp, udp,
                        ['/usr/sbin/inetd', '-i', '-q', '4096', '-R',
                         '100000000', conf])]


def xinetd_binary(ctx):
    """xinetd conflicts with openbsd-inetd: unpack its .deb, run it from
    there.  Kept in a cache directory between runs."""
    cache = os.path.join(ctx.build, 'bench-cache', 'xinetd')
    binary = os.path.join(cache, 'root', 'usr', 'sbin', 'xinetd')
    if os.access(binary, os.X_OK):
        return binary
    os.makedirs(cache, exist_ok=True)
    os.chmod(cache, 0o777)                # apt's _apt user downloads
    subprocess.run(['apt-get', 'download', '-q', 'xinetd'], cwd=cache,
                   check=True, capture_output=True)
    deb = [f for f in os.listdir(cache) if f.endswith('.deb')][0]
    subprocess.run(['dpkg-deb', '-x', deb, 'root'], cwd=cache, check=True)
    return binary


def srv_xinetd(ctx, tcp, udp):
    conf = ctx.path('xinetd.conf')
    svc = ''
    for sock, proto, port, wait in (('stream', 'tcp', tcp, 'no'),
                                    ('dgram', 'udp', udp, 'yes')):
        svc += (f'service echo\n{{\n\ttype = INTERNAL\n\tid = echo-{sock}\n'
                f'\tsocket_type = {sock}\n\tprotocol = {proto}\n'
                f'\twait = {wait}\n\tuser = root\n\tbind = {HOST}\n'
                f'\tport = {port}\n}}\n')
    with open(conf, 'w') as f:
        # Rate and instance limits off, like -R for inetd.
        f.write('defaults\n{\n\tinstances = UNLIMITED\n\tcps = 100000000 1\n'
                '\tper_source = UNLIMITED\n}\n' + svc)
    return [services_ns(ctx, 'xinetd', tcp, udp,
                        [xinetd_binary(ctx), '-dontfork', '-stayalive', '-f',
                         conf, '-pidfile', ctx.path('xinetd.pid')])]


def srv_socat(ctx, tcp, udp):
    return [['socat', '-lf', '/dev/null',
             f'TCP-LISTEN:{tcp},bind={HOST},reuseaddr,fork,backlog=4096',
             'EXEC:cat'],
            ['socat', '-lf', '/dev/null',
             f'UDP-RECVFROM:{udp},bind={HOST},fork', 'EXEC:cat']]


def srv_ncat(ctx, tcp, udp):
    return [['ncat', '-l', HOST, str(tcp), '-k', '-m', '100000',
             '--exec', '/bin/cat'],
            ['ncat', '-u', '-l', HOST, str(udp), '-k', '--exec', '/bin/cat']]


def srv_sd(ctx, tcp, udp):
    return [['systemd-socket-activate', '-l', f'{HOST}:{tcp}', '--inetd',
             '-a', 'cat']]


SERVERS = [
    # name, label, start, has udp
    ('epoll', 'trivial epoll echo in C', srv_epoll, True),
    ('echod', 'echod (sample config)', srv_echod, True),
    ('asyncio', 'Python asyncio (seed, printing)', srv_python, True),
    ('uvloop', 'seed server on uvloop',
     lambda c, t, u: srv_python(c, t, u, True), True),
    ('inetd', 'openbsd-inetd built-in', srv_inetd, True),
    ('xinetd', 'xinetd built-in', srv_xinetd, True),
    ('socat', 'socat fork EXEC:cat', srv_socat, True),
    ('ncat', 'ncat -k --exec cat', srv_ncat, True),
    ('sd-activate', 'systemd-socket-activate --inetd -a cat', srv_sd, False),
]

# Not run unless named in --servers: echod with one design choice undone,
# for the A/B of that choice against the sample config in the same run.
VARIANTS = [
    ('echod-nosplice', 'echod, splice = false',
     lambda c, t, u: srv_echod(c, t, u, [('splice', 'false')]), True),
    ('echod-nouring', 'echod, io_uring = false',
     lambda c, t, u: srv_echod(c, t, u, [('io_uring', 'false')]), True),
    ('echod-plain', 'echod, io_uring = false, splice = false',
     lambda c, t, u: srv_echod(c, t, u, [('io_uring', 'false'),
                                         ('splice', 'false')]), True),
    # Not echod: the yardstick for a design with no epoll (TCP only).
    ('uring', 'full io_uring echo in C (multishot receive)', srv_uring,
     False),
]

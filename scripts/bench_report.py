"""bench_report: scripts/bench's results as tables and a chart.

results[server] holds 'runs' {client kind: {workload: [bench JSON + the
server's CPU seconds]}}, 'scale' {client kind: {step: [...]}}, and the
memory test, start errors and time-budget cuts.  Every ratio compares a
server with the trivial epoll server under the same kind of client.
"""
import os
import shutil
import statistics
import subprocess
import tempfile


def good_runs(runs):
    return [r for r in runs if 'failed' not in r and not r.get('errors')
            and not r.get('mismatches') and r.get('messages', 0) > 0]


def summary(values):
    """(median, half-range as a fraction of the median) or None."""
    if not values:
        return None
    med = statistics.median(values)
    if len(values) < 2:
        return med, None
    spread = (max(values) - min(values)) / 2 / med if med else 0.0
    return med, spread


def fmt_num(v):
    if v >= 100:
        return f'{v:,.0f}'
    if v >= 10:
        return f'{v:.1f}'
    if v >= 1:
        return f'{v:.2f}'
    return f'{v:.3f}'


def cell(s, ref, problems=''):
    if s is None:
        return problems or 'n/a'
    med, spread = s
    out = fmt_num(med)
    if spread is not None:
        out += f' ±{spread * 100:.0f}%'
    if ref:
        out += f' ({med / ref:.2f}×)'
    return out + (f' {problems}' if problems else '')


def problems_of(runs):
    bad = sum(r.get('mismatches', 0) for r in runs)
    err = sum(r.get('errors', 0) for r in runs)
    failed = [r['failed'] for r in runs if 'failed' in r]
    notes = []
    if bad:
        notes.append(f'{bad} bad bytes')
    if err:
        notes.append(f'{err} errors')
    if failed:
        notes.append('client failed')
    if runs and not notes and not good_runs(runs):
        notes.append('no echo')
    return ', '.join(notes)


def runs_of(results, name, kind, wl, part='runs'):
    return results.get(name, {}).get(part, {}).get(kind, {}).get(wl, [])


def column(results, name, kind, wl, fn, part='runs'):
    every = runs_of(results, name, kind, wl, part)
    runs = good_runs(every)
    values = [v for v in map(fn, runs) if v is not None]
    probs = problems_of(every)
    if runs and not values and not probs:
        probs = 'server CPU below the clock tick'
    elif len(values) < len(runs):
        # A median of the measurable runs only: say it is not all of them.
        below = len(runs) - len(values)
        probs = ', '.join(filter(None, [
            probs, f'({below} of {len(runs)} runs below the clock tick)']))
    return summary(values), probs


# A CPU time read in clock ticks (/proc/PID/stat) that is only a few ticks
# says nothing about the cost per operation: a server that stalled (ncat on
# stream) would show 0 µs per MB, the best figure of the table.
MIN_CPU_TICKS = 5


def cpu_measurable(r):
    if 'window_s' in r:                   # schedstat, in ns
        return True
    # Results saved before cpu_tick_s existed were read in this tick too.
    tick = r.get('cpu_tick_s', 1 / os.sysconf('SC_CLK_TCK'))
    return r['server_cpu_s'] >= MIN_CPU_TICKS * tick


def cpu_per_msg(r):
    if not cpu_measurable(r):
        return None
    return r['server_cpu_s'] / r['messages'] * 1e6


def cpu_per_mb(r):
    if not cpu_measurable(r):
        return None
    return r['server_cpu_s'] / r['bytes'] * 1e9


# heading, workload, value, short name for the chart (short enough that
# seven of them fit under the bars of a 1000-pixel chart)
COLUMNS = [
    ('ping-pong 50×64 B, msg/s', 'pingpong', lambda r: r['msg_per_s'],
     'ping-pong rate'),
    ('stream 4×16 KiB, MB/s', 'stream', lambda r: r['mb_per_s'],
     'stream rate'),
    ('connect-echo-close, conn/s', 'churn', lambda r: r['msg_per_s'],
     'churn rate'),
    ('UDP 8×32 in flight, dgram/s', 'udp', lambda r: r['msg_per_s'],
     'UDP rate'),
    ('server CPU per ping-pong msg, µs', 'pingpong', cpu_per_msg,
     'ping-pong CPU'),
    ('server CPU per stream MB, µs', 'stream', cpu_per_mb,
     'stream CPU'),
    ('server CPU per UDP dgram, µs', 'udp', cpu_per_msg, 'UDP CPU'),
]


def table(results, names, labels, kinds):
    heads = [c[0] for c in COLUMNS] + ['UDP loss',
                                       'user memory per idle TCP conn, KiB (PSS)']
    lines = ['| server | client | ' + ' | '.join(heads) + ' |',
             '|---' * (len(heads) + 2) + '|']
    for name in names:
        res = results.get(name, {})
        if 'start_error' in res and not res.get('runs') and \
                'memory' not in res:
            lines.append(f'| {labels[name]} | | did not start' +
                         ' |' * len(heads))
            continue
        for i, (kind, klabel) in enumerate(kinds):
            cells = []
            for _head, wl, fn, _short in COLUMNS:
                s, probs = column(results, name, kind, wl, fn)
                ref, _ = column(results, 'epoll', kind, wl, fn)
                cells.append(cell(s, ref[0] if ref else None, probs))
            udp = runs_of(results, name, kind, 'udp')
            loss = [r['loss_pct'] for r in udp if 'loss_pct' in r]
            cells.append(f'{statistics.median(loss):.2f}%' if loss else 'n/a')
            mem = res.get('memory', {})
            if i > 0:
                cells.append('″')
            elif 'pss_kib_per_conn' in mem:
                cells.append(f"{mem['pss_kib_per_conn']:.3f} "
                             f"(RSS {mem['rss_kib_per_conn']:.3f}; "
                             f"{mem['conns']} conns)")
            else:
                cells.append(mem.get('error', 'n/a')[:60] if mem else 'n/a')
            lines.append(f'| {labels[name] if i == 0 else "″"} | {klabel} | ' +
                         ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def client_note(results, workloads, kinds):
    """Is the client the bottleneck?  CPU time per message is what counts
    on a busy machine (wall-clock shares are not): with one core each, a
    client that spends less CPU per message than the server can drive the
    server to its limit."""
    out, busy = [], True
    for kind, klabel in kinds:
        parts = []
        for wl in workloads:
            runs = good_runs(runs_of(results, 'epoll', kind, wl))
            if not runs:
                continue
            c = statistics.median(r['client_cpu_s'] / r['messages'] * 1e6
                                  for r in runs)
            costs = [v for v in map(cpu_per_msg, runs) if v is not None]
            if not costs:
                continue
            s = statistics.median(costs)
            # null: a run too short for a share (echoctl bench)
            pcs = [r['client_cpu_pct'] for r in runs
                   if r.get('client_cpu_pct') is not None]
            pc = statistics.median(pcs) if pcs else None
            ps = statistics.median(r['server_cpu_s'] / r['elapsed_s'] * 100
                                   for r in runs)
            busy = busy and (pc is None or pc < 80) and ps < 80
            pct = f'{pc:.0f}%' if pc is not None else 'n/a'
            parts.append(f'{wl} {c:.1f} vs {s:.1f} µs ({pct} vs '
                         f'{ps:.0f}% of a core)')
        if parts:
            out.append(f'{klabel}: client vs server CPU per message '
                       'against the epoll server: ' + '; '.join(parts))
    if out and busy:
        out.append('warning: neither side had a whole core: the machine is'
                   ' busy with other work, so these numbers are low and '
                   'noisy')
    return '\n'.join(out)


def scale_table(results, steps, kinds):
    """Server CPU per message as the work grows, echod against epoll, and
    echod's cost relative to its first step (1.00 = flat)."""
    lines = ['| load | client | epoll µs/msg | echod µs/msg | echod / epoll'
             ' | echod vs its first step | echod msg/s |',
             '|---|---|---|---|---|---|---|']
    for kind, klabel in kinds:
        first = {}
        for name, _args, proto, _n in steps:
            e, ep = column(results, 'echod', kind, name, cpu_per_msg, 'scale')
            r, rp = column(results, 'epoll', kind, name, cpu_per_msg, 'scale')
            rate, _ = column(results, 'echod', kind, name,
                             lambda x: x['msg_per_s'], 'scale')
            group = proto
            if e and group not in first:
                first[group] = e[0]
            flat = f'{e[0] / first[group]:.2f}' if e and group in first \
                else 'n/a'
            ratio = f'{e[0] / r[0]:.2f}×' if e and r else 'n/a'
            lines.append(f'| {name} | {klabel} | {cell(r, None, rp)} | '
                         f'{cell(e, None, ep)} | {ratio} | {flat} | '
                         f'{fmt_num(rate[0]) if rate else "n/a"} |')
    return '\n'.join(lines)


def plot(results, kinds, path, title):
    """echod's ratios to the epoll server as a clustered bar chart (SVG or
    PNG by the file's extension), drawn by gnuplot."""
    gnuplot = shutil.which('gnuplot')
    if gnuplot is None:
        return 'gnuplot not installed (scripts/deps bench)'
    rows = []
    for _head, wl, fn, short in COLUMNS:
        vals = []
        for kind, _label in kinds:
            s, _ = column(results, 'echod', kind, wl, fn)
            ref, _ = column(results, 'epoll', kind, wl, fn)
            vals.append(f'{s[0] / ref[0]:.4f}' if s and ref else 'NaN')
        rows.append(f'"{short}" ' + ' '.join(vals))
    term = ('pngcairo size 1000,520 font "sans,10"' if path.endswith('.png')
            else 'svg size 1000,520 dynamic font "sans,11"')
    plots = ', '.join(
        f"'{{data}}' using {i + 2}{':xtic(1)' if i == 0 else ''} "
        f"title '{label}'" for i, (_k, label) in enumerate(kinds))
    work = tempfile.mkdtemp(prefix='echod-plot.')
    try:
        data = os.path.join(work, 'ratios.dat')
        with open(data, 'w') as f:
            f.write('\n'.join(rows) + '\n')
        script = f'''set terminal {term}
set output '{path}'
set title "{title}" noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set ylabel 'echod / trivial epoll server (same client)'
set yrange [0:*]
set grid ytics
set key top right
set label 1 'rates: higher is better; CPU: lower is better' at graph 0.01, graph 0.95
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2 lc rgb 'black'
plot {plots.format(data=data)}
'''
        r = subprocess.run([gnuplot], input=script, text=True,
                           capture_output=True)
        if r.returncode != 0 or not os.path.exists(path):
            return f'gnuplot failed: {r.stderr.strip()[-300:]}'
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return None

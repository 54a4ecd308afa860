#!/usr/bin/env python3
"""Summarises V8 .cpuprofile files (from BENCH_CPU_PROF): self time by function and by package."""
import collections, json, sys

for path in sys.argv[1:]:
    prof = json.load(open(path))
    nodes = {n['id']: n for n in prof['nodes']}
    self_us = collections.Counter()
    deltas = prof.get('timeDeltas', [])
    for sample, delta in zip(prof.get('samples', []), deltas):
        self_us[sample] += delta
    total = sum(self_us.values()) or 1
    by_fn, by_pkg = collections.Counter(), collections.Counter()
    for node_id, us in self_us.items():
        frame = nodes[node_id]['callFrame']
        url = frame.get('url', '')
        name = frame.get('functionName') or '(anonymous)'
        pkg = '(program/idle/gc)' if not url else url.split('node_modules/')[-1].split('/')[0] if 'node_modules/' in url else ('app:' + url.split('/src/')[-1].split('/')[0] if '/src/' in url else 'node:' + url.split('/')[-1])
        if pkg.startswith('@') and 'node_modules/' in url:
            pkg = '/'.join(url.split('node_modules/')[-1].split('/')[:2])
        by_fn[f'{name} ({url.split("/")[-1]}:{frame.get("lineNumber", 0) + 1})'] += us
        by_pkg[pkg] += us
    print(f'# {path}: {total / 1e6:.1f} s sampled')
    print('## self time by package')
    for k, v in by_pkg.most_common(20):
        print(f'{100 * v / total:5.1f}%  {k}')
    print('## self time by function')
    for k, v in by_fn.most_common(25):
        print(f'{100 * v / total:5.1f}%  {k}')

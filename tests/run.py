#!/usr/bin/env python3
"""run.py - dormant's whole test suite: host unit tests, then QEMU scenarios.

Prints one line per test ("PASS name" / "FAIL name: why") and closes with
"N passed, N failed"; exits non-zero on any failure.  Serial logs of every
boot are kept in BUILD/test-logs/ for looking into failures.

    python3 tests/run.py [--only SUBSTRING] [-j N]
"""
import argparse
import concurrent.futures
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'qemu'))
import harness      # noqa: E402
import scenarios    # noqa: E402

CMOCKA_LINE = re.compile(r'^\[\s+(OK|FAILED|SKIPPED)\s+\] (\S+)$')


def run_unit(build, only):
    """Each build/tests/test_* is a cmocka group; one result per test."""
    results = []
    for binary in sorted(glob.glob(os.path.join(build, 'tests', 'test_*'))):
        group = os.path.basename(binary)[len('test_'):]
        args = [binary]
        if group == 'elfimage':
            args.append(os.path.join(build, 'dormant.elf'))
        if only and only not in 'unit/' + group:
            continue
        p = subprocess.run(args, cwd=harness.ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=300)
        seen = 0
        for line in p.stdout.splitlines():
            m = CMOCKA_LINE.match(line.strip())
            if not m:
                continue
            seen += 1
            name = 'unit/%s/%s' % (group, m.group(2))
            if m.group(1) == 'OK':
                results.append((name, True, ''))
            elif m.group(1) == 'SKIPPED':
                results.append((name, None, 'skipped'))
            else:
                results.append((name, False, 'see output below'))
        if p.returncode != 0 or seen == 0:
            results.append(('unit/%s' % group, False,
                            'exit %d\n%s' % (p.returncode, p.stdout[-3000:])))
    return results


FUZZ_LINE = re.compile(r'^fuzz: (\S+) execs=(\d+) crashes=(\d+)$')


def run_fuzz(build, only, seconds=3):
    """A few seconds of every libFuzzer harness (make fuzz runs longer):
    one result per harness, failed on a crash or no executions."""
    names = sorted(os.path.basename(b)[len('fuzz_'):]
                   for b in glob.glob(os.path.join(build, 'fuzz', 'fuzz_*')))
    names = [n for n in names if not only or only in 'fuzz/' + n]
    if not names:
        return []
    p = subprocess.run(['sh', 'scripts/fuzz.sh', '-s', str(seconds), os.path.join(build, 'fuzz')] +
                       names,
                       cwd=harness.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60 + 30 * len(names))
    results = []
    for line in p.stdout.splitlines():
        m = FUZZ_LINE.match(line.strip())
        if m:
            ok = int(m.group(3)) == 0 and int(m.group(2)) > 0
            results.append(('fuzz/' + m.group(1), ok, '' if ok else
                            '%s execs, %s crashes (see %s/fuzz/logs)' % (m.group(2), m.group(3),
                                                                       build)))
    if len(results) != len(names):
        results.append(('fuzz', False, 'exit %d\n%s' % (p.returncode, p.stdout[-2000:])))
    return results


def run_scenario(args, sc):
    log = os.path.join(args.build, 'test-logs', sc.name.replace('/', '_') + '.log')
    if sc.custom:
        os.makedirs(os.path.dirname(log), exist_ok=True)
        try:
            problems = sc.custom(args.build, log)
        except Exception as e:  # a broken test fails itself, not the run
            problems = ['raised %s: %s' % (type(e).__name__, e)]
        return sc.name, not problems, '; '.join(problems) + (' (log: %s)' % log if problems else '')
    kw = dict(sc.boot)
    if sc.prepare:
        kw.update(sc.prepare(args.build))
    b = harness.boot(args.build, args.ovmf_code, args.ovmf_vars, log=log, **kw)
    try:
        problems = sc.check(b)
    except Exception as e:      # a broken check fails its scenario, not the run
        problems = ['the check raised %s: %s' % (type(e).__name__, e)]
    if b.timed_out and not sc.boot.get('until'):
        problems.insert(0, 'timed out after %.0f s' % b.seconds)
    return sc.name, not problems, '; '.join(problems) + (' (log: %s)' % log if problems else '')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default='build')
    ap.add_argument('--ovmf-code', default='/usr/share/OVMF/OVMF_CODE_4M.fd')
    ap.add_argument('--ovmf-vars', default='/usr/share/OVMF/OVMF_VARS_4M.fd')
    ap.add_argument('--only', default='')
    ap.add_argument('-j', type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)

    results = run_unit(args.build, args.only) + run_fuzz(args.build, args.only)
    for name, ok, why in results:
        print('%s %s%s' % ({True: 'PASS', False: 'FAIL', None: 'SKIP'}[ok], name,
                           ': ' + why if ok is False else ''), flush=True)

    todo = [sc for sc in scenarios.ALL if args.only in sc.name]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as pool:
        for name, ok, why in pool.map(lambda sc: run_scenario(args, sc), todo):
            results.append((name, ok, why))
            print('%s %s%s' % ('PASS' if ok else 'FAIL', name, ': ' + why if not ok else ''),
                  flush=True)

    passed = sum(1 for r in results if r[1] is True)
    failed = sum(1 for r in results if r[1] is False)
    skipped = sum(1 for r in results if r[1] is None)
    print('%d passed, %d failed%s' % (passed, failed, ', %d skipped' % skipped if skipped else ''))
    return 1 if failed or not results else 0


if __name__ == '__main__':
    sys.exit(main())

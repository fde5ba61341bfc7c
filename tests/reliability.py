#!/usr/bin/env python3
"""reliability.py - the reliability campaign's long runs (README
"Reliability"): `make soak CYCLES=N` and `make powercut RUNS=N`.

  reliability.py soak --cycles N [--hosts qemu,hvsim]
  reliability.py powercut --runs N [--hosts qemu,hvsim] [--seed S]

The hosts run side by side (one QEMU each), each on its own disk.  One
line per cycle or run as it ends, then the totals; the exit status is
non-zero on any failure.  Boot logs: build/test-logs/{soak,powercut}-HOST.log.
"""
import argparse
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'qemu'))
import scenarios    # noqa: E402,F401  (first: the scenario modules import it)
import campaign     # noqa: E402


def median(xs, fmt):
    return fmt % statistics.median(xs) if xs else '-'


def outcomes(what, hosts, results, errors):
    """(host, result) of each host that ran; a harness error is reported
    and counted in errors[0]."""
    for h in hosts:
        r = results[h]
        if isinstance(r, Exception):
            print('%s: %s: harness error: %r' % (what, h, r))
            errors[0] += 1
        else:
            yield h, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('what', choices=('soak', 'powercut'))
    ap.add_argument('--build', default='build')
    ap.add_argument('--cycles', type=int, default=50)
    ap.add_argument('--runs', type=int, default=30)
    ap.add_argument('--hosts', default='qemu,hvsim')
    ap.add_argument('--newvm-every', type=int, default=10)
    ap.add_argument('--seed', type=int, default=None)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    hosts = [h for h in args.hosts.split(',') if h]
    for h in hosts:
        if h not in campaign.IMAGES:
            ap.error('unknown host %r (qemu, hvsim)' % h)
    seed = args.seed if args.seed is not None else int(time.time())
    results = {}

    def one(host):
        log = os.path.join(build, 'test-logs', '%s-%s.log' % (args.what, host))
        os.makedirs(os.path.dirname(log), exist_ok=True)
        try:
            if args.what == 'soak':
                results[host] = campaign.soak(build, host, args.cycles, log,
                                              out=lambda s: print(s, flush=True),
                                              newvm_every=args.newvm_every)
            else:
                results[host] = campaign.powercut(build, host, args.runs, log,
                                                  out=lambda s: print(s, flush=True),
                                                  seed=seed + hosts.index(host))
        except Exception as e:      # a harness error is a failure, not a hang
            results[host] = e

    if args.what == 'powercut':
        print('powercut: seed %d (--seed %d repeats the same cut times)' % (seed, seed),
              flush=True)
    start = time.monotonic()
    threads = [threading.Thread(target=one, args=(h,)) for h in hosts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    minutes = (time.monotonic() - start) / 60
    errors = [0]
    bad = 0
    if args.what == 'soak':
        total = ok = 0
        hib, res = [], []
        for h, (v, failed, hs, rs) in outcomes('soak', hosts, results, errors):
            total += args.cycles
            ok += v
            hib += hs
            res += rs
            for f in failed:
                print('soak: %s: failure: %s' % (h, f))
            print('soak: %s: %d of %d verified; median hibernate %s, resume %s after loader '
                  'entry' % (h, v, args.cycles, median(hs, '%.2f s'), median(rs, '%d ms')))
            bad += len(failed)
        print('soak: %d of %d verified, %d failed; median hibernate %s, resume %s after loader '
              'entry (%.1f min)' % (ok, total, total - ok, median(hib, '%.2f s'),
                                    median(res, '%d ms'), minutes))
        return 1 if bad or errors[0] or ok != total else 0
    n = r_all = f_all = 0
    for h, (resumed, fresh, failed) in outcomes('powercut', hosts, results, errors):
        for f in failed:
            print('powercut: %s: failure: %s' % (h, f))
        print('powercut: %s: %d runs, %d resumed complete, %d fresh, %d failed' %
              (h, args.runs, resumed, fresh, len(failed)))
        n += args.runs
        r_all += resumed
        f_all += fresh
        bad += len(failed)
    print('powercut: %d runs, %d resumed complete, %d fresh, %d partial or failed (%.1f min)' %
          (n, r_all, f_all, n - r_all - f_all, minutes))
    return 1 if bad or errors[0] or r_all + f_all != n else 0


if __name__ == '__main__':
    sys.exit(main())

"""The choice of the settled warm-up (SETTLED_SESSIONS, src/scenario/warmup.rs):
for each 10^3-host churn case, each steady warm-up of 1, 1.5, 2 and 3 mean
sessions against each natural warm-up (4, 8, 12 h), whether every judged
figure agrees within +-5 % or the 95 % CI of the difference, and the worst
of them. Prints a Markdown table."""
import os, sys, math
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import load, ms, T

JUDGED = ['up_join_B_per_s', 'up_registration_B_per_s', 'up_flood_B_per_s', 'up_refresh_B_per_s',
          'up_resolve_B_per_s', 'up_maintenance_B_per_s', 'up_split_detection_B_per_s',
          'up_unregistration_B_per_s', 'up_B_per_s', 'resolve_success_ratio', 'resolve_hops',
          'cache_levels', 'leaf_set_accuracy_ratio']
SHORT = {'up_B_per_s': 'total', 'resolve_success_ratio': 'resolve success', 'resolve_hops': 'hops',
         'cache_levels': 'levels', 'leaf_set_accuracy_ratio': 'leaf sets'}
WARMUPS = [('steady120', '1 (2 h)'), ('steady180', '1.5 (3 h)'), ('steady240', '2 (4 h)'), ('steady360', '3 (6 h)')]
NATURALS = [('joins', '4 h'), ('joins480', '8 h'), ('joins720', '12 h')]

def judge(nat, st):
    """(all agree, [(figure, relative difference, agrees)]) of the judged figures."""
    tot = ms([r['up_B_per_s'] for r in nat])[0]
    out = []
    for k in JUDGED:
        mn, sn, n = ms([r[k] for r in nat]); mm, sm, _ = ms([r[k] for r in st])
        if k.startswith('up_') and k != 'up_B_per_s' and mn < 0.01 * tot:
            continue
        ok = abs(mm - mn) <= max(0.05 * abs(mn), T[n] * math.sqrt(sn * sn + sm * sm))
        out.append((SHORT.get(k, k[3:-8].replace('_', ' ')), (mm - mn) / mn, ok))
    return all(o[2] for o in out), out

groups = load()
print('| case | mean sessions of warm-up | ' + ' | '.join('vs natural %s' % l for _, l in NATURALS) + ' |')
print('|---|---|' + '---|' * len(NATURALS))
for c, name in [('H1000_m1_ctrue', '10³ × 1'), ('H1000_m8_ctrue', '10³ × 8')]:
    for w, wl in WARMUPS:
        cells = []
        for nt, _ in NATURALS:
            ok, figs = judge(groups[c + '.' + nt], groups[c + '.' + w])
            bad = [f for f in figs if not f[2]]
            cells.append('agrees' if ok else '✗ ' + ', '.join('%s %+.1f %%' % (f[0], 100 * f[1]) for f in bad))
        print('| %s | %s | %s |' % (name, wl, ' | '.join(cells)))
# The natural warm-ups against each other: is the baseline converged?
for c, name in [('H1000_m1_ctrue', '10³ × 1'), ('H1000_m8_ctrue', '10³ × 8')]:
    for a, b in [('joins', 'joins480'), ('joins480', 'joins720')]:
        ok, figs = judge(groups[c + '.' + b], groups[c + '.' + a])
        worst = max(figs, key=lambda f: abs(f[1]))
        print('%s: natural %s against %s: %s (largest: %s %+.1f %%)' % (
            name, dict(NATURALS)[a], dict(NATURALS)[b], 'agrees' if ok else 'differs on ' +
            ', '.join(f[0] for f in figs if not f[2]), worst[0], 100 * worst[1]))

"""Loads the runs of one.sh (one JSON summary per run, under $RES) grouped
by case and start, with the mean and standard error both scripts report."""
import os, json, glob, math, collections

# Two-sided 95 % Student t quantiles for the replication counts the jobs use.
T = {3: 2.776, 5: 2.306}

# The natural warm-up each case is compared with: 4 h of churn (2 h static)
# by default; 8 h at 10^3 hosts x 8 names, whose 4 h natural warm-up is not
# converged yet (maintenance bytes 9.8 % below 8 h; 8 h and 12 h agree).
NATURAL = {'H1000_m8_ctrue': ('joins480', '8 h')}

def natural(case):
    """The tag and label of the natural warm-up `case` is compared with."""
    churn = case.endswith('ctrue')
    return NATURAL.get(case, ('joins', '4 h' if churn else '2 h'))

def load():
    groups = collections.defaultdict(list)
    for f in sorted(glob.glob(os.environ.get('RES', 'steady-runs') + '/H*.json')):
        tag = f.split('/')[-1].rsplit('.', 2)[0]
        try:
            groups[tag].append(json.load(open(f))['metrics'])
        except Exception:
            pass
    return groups

def ms(v):
    n = len(v); m = sum(v) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (n - 1))
    return m, sd / math.sqrt(n), n

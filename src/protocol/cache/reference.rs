//! The cache as it was before the performance work: quadratic, simple, and
//! the oracle that the fast [`super::Cache`] is checked against operation
//! by operation (see the differential test in `cache.rs`). Test-only.

use super::{CacheParams, Insert};
use crate::protocol::id::{IdIx, IdTable, RING_LOG10, U256};

#[derive(Clone, Copy, Debug)]
struct Entry {
    ix: IdIx,
    /// Level this entry would sit at if the cache were deep enough.
    natural: u8,
    /// Member of some local ID's leaf set (exempt from capacity).
    leaf: bool,
    /// Index into `locals` of the nearest local ID.
    near: u16,
}

#[derive(Clone, Debug, Default)]
pub struct RefCache {
    /// The host's own registered IDs, sorted by ID.
    locals: Vec<IdIx>,
    /// Cached route entries of other registrations, sorted by ID.
    entries: Vec<Entry>,
    /// Index of the deepest open level.
    depth: u8,
}

impl RefCache {
    /// Number of open levels.
    pub fn levels(&self) -> u32 {
        u32::from(self.depth) + 1
    }

    pub fn entries(&self) -> impl Iterator<Item = IdIx> + '_ {
        self.entries.iter().map(|e| e.ix)
    }

    pub fn contains(&self, ix: IdIx, ids: &IdTable) -> bool {
        self.position(ix, ids).is_ok()
    }

    fn position(&self, ix: IdIx, ids: &IdTable) -> Result<usize, usize> {
        let id = ids.id(ix);
        let p = self.entries.partition_point(|e| ids.id(e.ix) < id);
        match self.entries.get(p) {
            Some(e) if e.ix == ix => Ok(p),
            _ => {
                // Equal IDs are astronomically unlikely, but keep order total.
                let mut q = p;
                while let Some(e) = self.entries.get(q) {
                    if ids.id(e.ix) != id {
                        break;
                    }
                    if e.ix == ix {
                        return Ok(q);
                    }
                    q += 1;
                }
                Err(p)
            }
        }
    }

    fn log_ratio(p: &CacheParams) -> f64 {
        f64::from(p.span_ratio).log10()
    }

    /// Level whose band (half-width `ring / (2 · ratio^k)`) still holds `x`,
    /// measured from the nearest local ID; also returns that local's index.
    fn natural_level(&self, x: U256, ids: &IdTable, p: &CacheParams) -> (u8, u16) {
        let Some((near, d)) = self
            .locals
            .iter()
            .enumerate()
            .map(|(i, &l)| (i, ids.id(l).ring_distance(x)))
            .min_by(|a, b| a.1.cmp(&b.1))
        else {
            return (0, 0);
        };
        let room = RING_LOG10 - std::f64::consts::LOG10_2 - d.log10();
        let level = (room / RefCache::log_ratio(p)).floor().clamp(0.0, 200.0) as u8;
        (level, near as u16)
    }

    fn level_of(&self, e: &Entry) -> u8 {
        e.natural.min(self.depth)
    }

    /// Representative local index of the band that holds local `near` at
    /// `level`: neighbouring local IDs closer than a level's span share one
    /// band.
    fn band_of(&self, near: u16, level: u8, ids: &IdTable, p: &CacheParams) -> u16 {
        let m = self.locals.len();
        if level == 0 || m <= 1 {
            return 0;
        }
        let span_log = RING_LOG10 - f64::from(level) * RefCache::log_ratio(p);
        let merged = |a: usize, b: usize| {
            let gap = ids.id(self.locals[a]).clockwise_to(ids.id(self.locals[b]));
            gap.log10() < span_log
        };
        let mut j = near as usize;
        for _ in 0..m {
            let prev = (j + m - 1) % m;
            if !merged(prev, j) {
                return j as u16;
            }
            j = prev;
        }
        0
    }

    /// Adds one of the host's own IDs and re-derives every entry's level.
    pub fn add_local(&mut self, ix: IdIx, ids: &IdTable, p: &CacheParams) {
        let id = ids.id(ix);
        let at = self.locals.partition_point(|&l| ids.id(l) < id);
        self.locals.insert(at, ix);
        if let Ok(pos) = self.position(ix, ids) {
            self.entries.remove(pos);
        }
        self.relabel(ids, p);
    }

    /// Removes one of the host's own IDs (unregistration, address change).
    pub fn remove_local(&mut self, ix: IdIx, ids: &IdTable, p: &CacheParams) {
        self.locals.retain(|&l| l != ix);
        self.relabel(ids, p);
    }

    fn relabel(&mut self, ids: &IdTable, p: &CacheParams) {
        for i in 0..self.entries.len() {
            let (natural, near) = self.natural_level(ids.id(self.entries[i].ix), ids, p);
            self.entries[i].natural = natural;
            self.entries[i].near = near;
        }
        self.depth = 0;
        self.mark_leaves(ids, p);
        let all: Vec<IdIx> = self.entries().collect();
        for ix in all {
            self.settle(ix, ids, p);
        }
    }

    /// Index of the `k`-th entry (0-based) clockwise or counter-clockwise from
    /// the position of `id`.
    fn nth_from(&self, id: U256, clockwise: bool, k: usize, ids: &IdTable) -> Option<usize> {
        let n = self.entries.len();
        if k >= n {
            return None;
        }
        let p = self.entries.partition_point(|e| ids.id(e.ix) < id);
        Some(if clockwise {
            (p + k) % n
        } else {
            (p + n - 1 - k) % n
        })
    }

    fn mark_leaves(&mut self, ids: &IdTable, p: &CacheParams) {
        for e in &mut self.entries {
            e.leaf = false;
        }
        for li in 0..self.locals.len() {
            let id = ids.id(self.locals[li]);
            for clockwise in [true, false] {
                for k in 0..p.leaf_per_side {
                    match self.nth_from(id, clockwise, k, ids) {
                        Some(i) => self.entries[i].leaf = true,
                        None => break,
                    }
                }
            }
        }
    }

    /// Non-leaf entries in one band of one level.
    fn band_members<'a>(
        &'a self,
        level: u8,
        band: u16,
        ids: &'a IdTable,
        p: &CacheParams,
    ) -> impl Iterator<Item = usize> + 'a {
        let p = *p;
        self.entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| {
                !e.leaf && self.level_of(e) == level && self.band_of(e.near, level, ids, &p) == band
            })
            .map(|(i, _)| i)
    }

    /// Brings the band of entry `ix` back within capacity: opens a new
    /// level if the band is the deepest and some member belongs deeper,
    /// otherwise evicts the members whose loss leaves the smallest holes.
    fn settle(&mut self, ix: IdIx, ids: &IdTable, p: &CacheParams) {
        loop {
            let Ok(pos) = self.position(ix, ids) else {
                return;
            };
            let e = self.entries[pos];
            if e.leaf {
                return;
            }
            let level = self.level_of(&e);
            let band = self.band_of(e.near, level, ids, p);
            if self.band_members(level, band, ids, p).count() <= p.capacity {
                return;
            }
            let deeper = level == self.depth
                && self
                    .band_members(level, band, ids, p)
                    .any(|i| self.entries[i].natural > self.depth);
            if !deeper {
                // The band may be more than one over (after a relabel).
                while self.band_members(level, band, ids, p).count() > p.capacity {
                    self.evict_densest(level, band, ids, p);
                }
                return;
            }
            self.depth += 1;
            // Entries that moved down may now crowd a band of the new level.
            let moved: Vec<IdIx> = self
                .entries
                .iter()
                .filter(|e| !e.leaf && e.natural >= self.depth)
                .map(|e| e.ix)
                .collect();
            for m in moved {
                if m != ix {
                    self.settle(m, ids, p);
                }
            }
        }
    }

    /// Whether `x` would be stored if submitted now (used to skip the
    /// INQUIRE check for entries the cache would drop anyway).
    pub fn would_accept(&self, x: IdIx, ids: &IdTable, p: &CacheParams) -> bool {
        let mut probe = self.clone();
        matches!(probe.insert(x, ids, p), Insert::Added { .. })
    }

    /// Submits a route entry (after its validation).
    pub fn insert(&mut self, x: IdIx, ids: &IdTable, p: &CacheParams) -> Insert {
        if self.locals.contains(&x) {
            return Insert::Known;
        }
        let pos = match self.position(x, ids) {
            Ok(_) => return Insert::Known,
            Err(pos) => pos,
        };
        let (natural, near) = self.natural_level(ids.id(x), ids, p);
        let leaves_before: Vec<IdIx> = self
            .entries
            .iter()
            .filter(|e| e.leaf)
            .map(|e| e.ix)
            .collect();
        self.entries.insert(
            pos,
            Entry {
                ix: x,
                natural,
                leaf: false,
                near,
            },
        );
        self.mark_leaves(ids, p);
        let leaf = self.entries[pos].leaf;
        // The new entry's band, and the bands of entries it pushed out of a
        // leaf set, may now be over capacity.
        self.settle(x, ids, p);
        for ix in leaves_before {
            self.settle(ix, ids, p);
        }
        if self.contains(x, ids) {
            Insert::Added { leaf }
        } else {
            Insert::Rejected
        }
    }

    /// Removes from an over-full band the member whose loss leaves the
    /// smallest hole: the later of the closest pair of neighbours.
    fn evict_densest(&mut self, level: u8, band: u16, ids: &IdTable, p: &CacheParams) {
        let members: Vec<usize> = self.band_members(level, band, ids, p).collect();
        let Some(victim) = (0..members.len())
            .min_by_key(|&k| {
                let a = ids.id(self.entries[members[k]].ix);
                let prev = members[(k + members.len() - 1) % members.len()];
                let next = members[(k + 1) % members.len()];
                // Hole left by removing member k: from its predecessor to its
                // successor in the band.
                let hole = ids
                    .id(self.entries[prev].ix)
                    .clockwise_to(ids.id(self.entries[next].ix));
                (hole, a)
            })
            .map(|k| members[k])
        else {
            return;
        };
        // A non-leaf entry is not among any local ID's nearest, so leaf sets
        // are unchanged by its removal.
        self.entries.remove(victim);
    }

    /// Drops an entry whose owner did not answer.
    pub fn remove(&mut self, x: IdIx, ids: &IdTable, p: &CacheParams) -> bool {
        match self.position(x, ids) {
            Ok(pos) => {
                self.entries.remove(pos);
                self.mark_leaves(ids, p);
                true
            }
            Err(_) => false,
        }
    }

    /// The leaf set of local ID `local`: up to `leaf_per_side` nearest
    /// entries counter-clockwise, then clockwise, nearest first.
    pub fn leaf_set(&self, local: IdIx, ids: &IdTable, p: &CacheParams) -> (Vec<IdIx>, Vec<IdIx>) {
        let id = ids.id(local);
        let side = |clockwise| {
            (0..p.leaf_per_side)
                .map_while(|k| self.nth_from(id, clockwise, k, ids))
                .map(|i| self.entries[i].ix)
                .collect()
        };
        (side(false), side(true))
    }

    /// Whether `x` (cached or not) lies inside the leaf-set range of one of
    /// the local IDs: fewer than `leaf_per_side` cached entries lie between
    /// them on x's side.
    pub fn in_leaf_range(&self, x: U256, ids: &IdTable, p: &CacheParams) -> bool {
        self.locals.iter().any(|&l| {
            let lid = ids.id(l);
            let clockwise = lid.clockwise_to(x) <= x.clockwise_to(lid);
            let between = self
                .entries
                .iter()
                .filter(|e| {
                    let e = ids.id(e.ix);
                    if clockwise {
                        lid.clockwise_to(e) < lid.clockwise_to(x)
                    } else {
                        e.clockwise_to(lid) < x.clockwise_to(lid)
                    }
                })
                .take(p.leaf_per_side)
                .count();
            between < p.leaf_per_side
        })
    }

    /// The largest hole in a level above the deepest, relative to the
    /// level's span, if it exceeds `fraction` of the span: returns the point
    /// in its middle (the target of a cache-balancing lookup).
    ///
    /// Levels that have overflowed once (k < depth) are examined, and the
    /// deepest one when the cloud-size estimate puts more than one level's
    /// capacity of IDs in its band.
    pub fn balancing_target(&self, fraction: f64, ids: &IdTable, p: &CacheParams) -> Option<U256> {
        let regs = self.estimated_registrations(ids).unwrap_or(0.0);
        let mut best: Option<(f64, U256)> = None;
        let mut consider = |from: U256, to: U256, span_log: f64| {
            let share = 10f64.powf(from.clockwise_to(to).log10() - span_log);
            if share > fraction && best.is_none_or(|(s, _)| share > s) {
                best = Some((share, from.arc_midpoint(to)));
            }
        };
        for (li, &l) in self.locals.iter().enumerate() {
            let lid = ids.id(l);
            let mut half = U256::HALF;
            for level in 0..=self.depth {
                if level > 0 {
                    half = half.div_u64(u64::from(p.span_ratio));
                }
                // A band merged from g local IDs' bands shares one level's
                // capacity over about g times the span: its entries are g
                // times sparser, and so is the gap it may leave.
                let band = self.band_of(li as u16, level, ids, p);
                let merged = (0..self.locals.len())
                    .filter(|&j| self.band_of(j as u16, level, ids, p) == band)
                    .count()
                    .max(1);
                let span_log = RING_LOG10 - f64::from(level) * RefCache::log_ratio(p)
                    + (merged as f64).log10();
                let expected = regs * 10f64.powf(span_log - RING_LOG10);
                if level == self.depth && expected <= p.capacity as f64 {
                    break;
                }
                let lower = lid.wrapping_sub(half);
                let width = half.wrapping_add(half); // 0 (= whole ring) at level 0
                let mut inside: Vec<U256> = self
                    .entries
                    .iter()
                    .map(|e| ids.id(e.ix))
                    .chain(std::iter::once(lid))
                    .filter(|&x| level == 0 || lower.clockwise_to(x) < width)
                    .collect();
                inside.sort_by_key(|&x| lower.clockwise_to(x));
                if level == 0 {
                    // The whole ring: gaps are cyclic.
                    for (i, &x) in inside.iter().enumerate() {
                        consider(x, inside[(i + 1) % inside.len()], span_log);
                    }
                } else {
                    let edges = std::iter::once(lower)
                        .chain(inside)
                        .chain(std::iter::once(lower.wrapping_add(width)));
                    let edges: Vec<U256> = edges.collect();
                    for w in edges.windows(2) {
                        consider(w[0], w[1], span_log);
                    }
                }
            }
        }
        best.map(|(_, target)| target)
    }

    /// Cloud size estimate of §3.2.6.2.1.1: for each local ID with
    /// neighbours A below and B above, `2 · 2^256 / (B − A)`, ignoring
    /// estimates of 2^32 or more; averaged over the rest.
    pub fn estimated_registrations(&self, ids: &IdTable) -> Option<f64> {
        if self.entries.len() < 2 {
            return None;
        }
        let estimates: Vec<f64> = self
            .locals
            .iter()
            .filter_map(|&l| {
                let id = ids.id(l);
                let below = ids.id(self.entries[self.nth_from(id, false, 0, ids)?].ix);
                let above = ids.id(self.entries[self.nth_from(id, true, 0, ids)?].ix);
                super::size_estimate(below, above)
            })
            .collect();
        (!estimates.is_empty()).then(|| estimates.iter().sum::<f64>() / estimates.len() as f64)
    }

    /// The largest number of non-leaf entries in one band of one level.
    pub fn max_level_fill(&self, ids: &IdTable, p: &CacheParams) -> u32 {
        self.entries
            .iter()
            .filter(|e| !e.leaf)
            .map(|e| {
                let level = self.level_of(e);
                let band = self.band_of(e.near, level, ids, p);
                self.band_members(level, band, ids, p).count() as u32
            })
            .max()
            .unwrap_or(0)
    }
}

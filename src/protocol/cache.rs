//! The multilevel route-entry cache of one host, with its leaf sets.
//!
//! Layout (§3.2.1.1, Windows behaviour from the "PNRP Caches" page): level 0
//! spans the whole ring; level k spans `ring / ratio^k`, centred on each of
//! the host's local IDs (bands around IDs that overlap merge). Each band of a
//! level holds at most `capacity` entries; when the deepest level is full
//! and a new entry belongs deeper, a new level opens below it. The leaf set
//! of a local ID (its `leaf_per_side` nearest known IDs on each side) is the
//! bottom of the cache: leaf-set members are always kept and do not count
//! against a level's capacity.
//!
//! Entries are one sorted vector of 8-byte records holding an [`IdIx`]; the
//! 32-byte IDs live once in the [`IdTable`]. The entry's *natural* level
//! (how deep its distance to the nearest local ID would place it) is stored;
//! its actual level is `min(natural, depth)`, so opening a level is just
//! `depth += 1`.
//!
//! When a band that cannot deepen is full, a new entry replaces the member
//! of the band's closest pair if that widens the band's coverage: this keeps
//! entries spread over the level, which is what makes lookups converge in
//! O(log n) hops (a replacement rule is not given by the spec: **[ours]**).
//!
//! **Why the bookkeeping.** A host with m local IDs keeps about
//! `m · levels · capacity` entries and submits entries to its cache on most
//! messages, so every operation has to be cheap in both n (entries) and m.
//! The cache therefore keeps, besides the entries, what would otherwise be
//! recomputed from scratch on every insert: where each local ID sits among
//! the entries (leaf flags are then updated only around the local IDs), the
//! band every local ID belongs to at each level, and the number of non-leaf
//! entries in every band. All of it is derived state: the observable
//! behaviour is exactly that of the straightforward definition, which is
//! kept as a test oracle in `cache/reference.rs`.

use super::id::{IdIx, IdTable, RING_LOG10, U256};
use std::cell::{Cell, RefCell};

#[cfg(test)]
mod reference;

/// Cache shape parameters (from the scenario's `[pnrp]` section).
#[derive(Clone, Copy, Debug)]
pub struct CacheParams {
    pub capacity: usize,
    pub span_ratio: u32,
    pub leaf_per_side: usize,
}

/// `Entry::flags`: member of some local ID's leaf set (exempt from capacity).
const LEAF: u8 = 1;
/// Scratch bits of [`Cache::update_leaves`].
const WAS_LEAF: u8 = 2;
const TOUCHED: u8 = 4;

#[derive(Clone, Copy, Debug)]
struct Entry {
    ix: IdIx,
    /// [`key_of`] the entry's ID.
    key: u32,
    /// Level this entry would sit at if the cache were deep enough.
    natural: u8,
    flags: u8,
    /// Index into `locals` of the nearest local ID.
    near: u16,
}

impl Entry {
    fn new(ix: IdIx, id: U256, (natural, near): (u8, u16)) -> Entry {
        Entry {
            ix,
            key: key_of(id),
            natural,
            flags: 0,
            near,
        }
    }

    fn leaf(&self) -> bool {
        self.flags & LEAF != 0
    }

    /// Whether the entry's ID (with key `key_of(id)`) is below `id`.
    fn is_below(&self, id: U256, key: u32, ids: &IdTable) -> bool {
        self.key < key || (self.key == key && ids.id(self.ix) < id)
    }

    fn is(&self, id: U256, key: u32, ids: &IdTable) -> bool {
        self.key == key && ids.id(self.ix) == id
    }
}

/// The top 32 bits of an ID. Entries keep it beside their [`IdIx`]: the
/// sorted entries are searched by it, and the full ID is fetched from the
/// table (a cache miss in a large cloud) only to break a tie.
fn key_of(id: U256) -> u32 {
    (id.0[0] >> 32) as u32
}

/// What the cache keeps about each of the host's own IDs.
#[derive(Clone, Copy, Debug)]
struct Local {
    id: U256,
    /// Number of entries with a smaller ID: where the local ID sits among
    /// the entries, so its leaf set is `entries[pos..]` and `entries[..pos]`
    /// read outward.
    pos: u32,
    /// Deepest level (≥ 1) at which this local ID's band and its
    /// predecessor's are one band; 0 if they are apart at every level.
    merge_upto: u8,
}

/// Answers that depend on nothing but the cache's contents, kept until the
/// contents change: the maintenance timer asks for them every 15 s, and
/// most of the time nothing has changed since.
#[derive(Clone, Copy, Debug, Default)]
struct Memo {
    /// `fraction` (as bits) and the answer of [`Cache::balancing_target`].
    balance: Option<(u64, Option<U256>)>,
    registrations: Option<Option<f64>>,
}

/// A band below level 0 whose widest gap [`Cache::balancing_target`]
/// remembered by its share alone: where to find the gap again when it
/// turns out to be the widest of all.
#[derive(Clone, Copy)]
struct Band {
    /// Index of the local ID the band is centred on.
    local: usize,
    level: u8,
    /// Half-width of the band.
    half: U256,
    /// What the gap's share is measured against (see `share_of`).
    span_log: f64,
}

/// What happened to an entry submitted to the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insert {
    /// Already cached (or one of the host's own IDs).
    Known,
    /// Stored; `leaf` says it entered a leaf set.
    Added { leaf: bool },
    /// Its band is full and it would not improve the spread.
    Rejected,
}

#[derive(Clone, Debug)]
pub struct Cache {
    /// The host's own registered IDs, sorted by ID.
    locals: Vec<IdIx>,
    /// Parallel to `locals`.
    local: Vec<Local>,
    /// Cached route entries of other registrations, sorted by ID.
    entries: Vec<Entry>,
    /// Index of the deepest open level.
    depth: u8,
    /// `reps[level · m + j]`: the band (its representative local index)
    /// that holds local ID `j` at `level`, for levels `0..=depth`; empty
    /// with fewer than two local IDs (one band per level).
    reps: Vec<u16>,
    /// `counts[level · max(m, 1) + band]`: non-leaf entries in that band.
    counts: Vec<u32>,
    memo: Cell<Memo>,
    /// `band_shares[(level − 1) · m + j]`: the widest gap of local ID `j`'s
    /// band at `level` (≥ 1) as [`Cache::balancing_target`] weighs it, NaN
    /// until computed (empty with one local ID). A band's gaps change only when an entry inside it
    /// comes or goes, so most bands keep their answer from one maintenance
    /// period to the next ([`Cache::forget_bands`]).
    band_shares: RefCell<Vec<f64>>,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            locals: Vec::new(),
            local: Vec::new(),
            entries: Vec::new(),
            depth: 0,
            reps: Vec::new(),
            // One level with one band, before any local ID is added.
            counts: vec![0],
            memo: Cell::default(),
            band_shares: RefCell::default(),
        }
    }
}

impl Cache {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of open levels.
    pub fn levels(&self) -> u32 {
        u32::from(self.depth) + 1
    }

    pub fn locals(&self) -> &[IdIx] {
        &self.locals
    }

    pub fn entries(&self) -> impl Iterator<Item = IdIx> + '_ {
        self.entries.iter().map(|e| e.ix)
    }

    pub fn contains(&self, ix: IdIx, ids: &IdTable) -> bool {
        self.position(ix, ids).is_ok()
    }

    /// Number of entries with an ID below `id`.
    fn below(&self, id: U256, ids: &IdTable) -> usize {
        let key = key_of(id);
        self.entries.partition_point(|e| e.is_below(id, key, ids))
    }

    /// Number of entries with an ID equal to `id` from position `at` on.
    fn equal_from(&self, at: usize, id: U256, ids: &IdTable) -> usize {
        let key = key_of(id);
        self.entries[at..]
            .iter()
            .take_while(|e| e.is(id, key, ids))
            .count()
    }

    /// Starts loading what a lookup in this cache reads first.
    pub fn prefetch(&self) {
        let n = self.entries.len();
        crate::engine::prefetch(self.entries.as_ptr().wrapping_add(n / 2));
        crate::engine::prefetch(self.local.as_ptr());
    }

    /// Forgets the memoised answers (the contents are about to change).
    fn touch(&mut self) {
        self.memo.set(Memo::default());
    }

    fn position(&self, ix: IdIx, ids: &IdTable) -> Result<usize, usize> {
        let id = ids.id(ix);
        let p = self.below(id, ids);
        match self.entries.get(p) {
            Some(e) if e.ix == ix => Ok(p),
            _ => {
                // Equal IDs are astronomically unlikely, but keep order total.
                let key = key_of(id);
                let mut q = p;
                while let Some(e) = self.entries.get(q) {
                    if !e.is(id, key, ids) {
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
    fn natural_level(&self, x: U256, p: &CacheParams) -> (u8, u16) {
        let Some((near, d)) = self.nearest_local(x) else {
            return (0, 0);
        };
        let room = RING_LOG10 - std::f64::consts::LOG10_2 - d.log10();
        let level = (room / Self::log_ratio(p)).floor().clamp(0.0, 200.0) as u8;
        (level, near as u16)
    }

    /// Index of the local ID nearest to `x` (the first of equally near
    /// ones) and its distance. The nearest is the first local ID at or
    /// after `x` or the last one before it (around the ring), or one with
    /// the same ID: two binary searches instead of a walk over all.
    fn nearest_local(&self, x: U256) -> Option<(usize, U256)> {
        let m = self.local.len();
        if m == 0 {
            return None;
        }
        let first_at_or_after = |id: U256| self.local.partition_point(|l| l.id < id);
        let after = first_at_or_after(x) % m;
        let before = first_at_or_after(self.local[(after + m - 1) % m].id);
        [after, before]
            .into_iter()
            .map(|j| (j, self.local[j].id.ring_distance(x)))
            .min_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))
    }

    fn level_of(&self, e: &Entry) -> u8 {
        e.natural.min(self.depth)
    }

    /// Number of band slots per level in `counts`.
    fn bands(&self) -> usize {
        self.locals.len().max(1)
    }

    /// Representative local index of the band that holds local `near` at
    /// `level` (`level <= depth`).
    fn rep(&self, near: u16, level: u8) -> u16 {
        let m = self.locals.len();
        if level == 0 || m <= 1 {
            0
        } else {
            self.reps[level as usize * m + near as usize]
        }
    }

    /// Index into `counts` of the band an entry is in.
    fn slot(&self, e: &Entry) -> usize {
        let level = self.level_of(e);
        level as usize * self.bands() + self.rep(e.near, level) as usize
    }

    /// Neighbouring local IDs closer than a level's span share one band:
    /// walk back from `near` to the first local ID not merged with its
    /// predecessor (0 if all of them are merged).
    fn walk_band(&self, near: usize, level: u8) -> u16 {
        let m = self.local.len();
        let mut j = near;
        for _ in 0..m {
            if self.local[j].merge_upto < level {
                return j as u16;
            }
            j = (j + m - 1) % m;
        }
        0
    }

    /// Deepest level at which two local IDs `gap` apart share a band: their
    /// distance is below the level's span (`ring / ratio^level`).
    fn merge_upto(gap: U256, p: &CacheParams) -> u8 {
        let gap_log = gap.log10();
        let mut level: u8 = 0;
        while level < u8::MAX && gap_log < RING_LOG10 - f64::from(level + 1) * Self::log_ratio(p) {
            level += 1;
        }
        level
    }

    /// Extends `reps` and `counts` to the levels `0..=depth`.
    fn grow_rows(&mut self) {
        let m = self.locals.len();
        let levels = self.depth as usize + 1;
        if m > 1 {
            while self.reps.len() < levels * m {
                let (level, j) = (self.reps.len() / m, self.reps.len() % m);
                let band = self.walk_band(j, level as u8);
                self.reps.push(band);
            }
        }
        self.counts.resize(levels * self.bands(), 0);
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
        self.touch();
        self.band_shares.take();
        let m = self.locals.len();
        self.local = self
            .locals
            .iter()
            .map(|&l| {
                let id = ids.id(l);
                Local {
                    id,
                    pos: self.below(id, ids) as u32,
                    merge_upto: 0,
                }
            })
            .collect();
        if m > 1 {
            for j in 0..m {
                let prev = self.local[(j + m - 1) % m].id;
                self.local[j].merge_upto = Self::merge_upto(prev.clockwise_to(self.local[j].id), p);
            }
        }
        for i in 0..self.entries.len() {
            let (natural, near) = self.natural_level(ids.id(self.entries[i].ix), p);
            let e = &mut self.entries[i];
            e.natural = natural;
            e.near = near;
            e.flags = 0;
        }
        self.depth = 0;
        self.reps.clear();
        self.counts.clear();
        self.grow_rows();
        for e in &self.entries {
            let slot = self.slot(e);
            self.counts[slot] += 1;
        }
        // Every entry is counted as a non-leaf; the leaf sets lie within
        // the windows around the local IDs that `update_leaves` re-derives.
        self.update_leaves(p.leaf_per_side, None);
        let all: Vec<IdIx> = self.entries().collect();
        for ix in all {
            self.settle(ix, ids, p);
        }
    }

    /// Positions of the `k`-th entry (0-based) clockwise and
    /// counter-clockwise from position `pos` among `n` entries.
    /// (`pos <= n`, `k < n`; both sums are below `2n`, so one conditional
    /// subtraction replaces a division.)
    fn around(pos: usize, k: usize, n: usize) -> [usize; 2] {
        let wrap = |i: usize| if i >= n { i - n } else { i };
        [wrap(pos + k), wrap(pos + n - 1 - k)]
    }

    /// Re-derives the leaf flags of the entries within `leaf_per_side + 1`
    /// of any local ID, keeping `counts` in step, and returns the entries
    /// that left every leaf set, in ID order.
    ///
    /// One insertion or removal moves any entry by at most one place
    /// relative to each local ID, so an entry farther away than that was a
    /// non-leaf before and still is. Likewise, when the entry inserted or
    /// removed was at position `changed`, a local ID more than `k + 1`
    /// places from it keeps its leaf set: only the windows of the local IDs
    /// near `changed` are re-derived (`None`: all of them), from the leaf
    /// sets of the local IDs whose windows can overlap those.
    fn update_leaves(&mut self, k: usize, changed: Option<usize>) -> Vec<IdIx> {
        let n = self.entries.len();
        if n == 0 {
            return Vec::new();
        }
        let (wide, narrow) = ((k + 1).min(n), k.min(n));
        let window = |pos: u32, radius: usize| {
            (0..radius).flat_map(move |kk| Self::around(pos as usize, kk, n))
        };
        // Places between a local ID and `changed` around the ring, with a
        // margin of one for the shift the change itself causes.
        let near = |pos: u32, places: usize| {
            changed.is_none_or(|c| {
                let d = (pos as usize).abs_diff(c) % n;
                d.min(n - d) <= places + 1
            })
        };
        let redo: Vec<usize> = (0..self.local.len())
            .filter(|&j| near(self.local[j].pos, k + 1))
            .collect();
        if redo.is_empty() {
            return Vec::new();
        }
        for &j in &redo {
            for i in window(self.local[j].pos, wide) {
                let e = &mut self.entries[i];
                if e.flags & TOUCHED == 0 {
                    e.flags = TOUCHED | if e.leaf() { WAS_LEAF } else { 0 };
                }
            }
        }
        // A leaf set overlapping a re-derived window lies within
        // `(k + 1) + (k + 1) + k` places of `changed`.
        for j in 0..self.local.len() {
            if !near(self.local[j].pos, 3 * k + 2) {
                continue;
            }
            for i in window(self.local[j].pos, narrow) {
                self.entries[i].flags |= LEAF;
            }
        }
        let mut demoted = Vec::new();
        for &j in &redo {
            for i in window(self.local[j].pos, wide) {
                let e = self.entries[i];
                if e.flags & TOUCHED == 0 {
                    continue;
                }
                self.entries[i].flags &= LEAF;
                let was = e.flags & WAS_LEAF != 0;
                if was != e.leaf() {
                    let slot = self.slot(&e);
                    if was {
                        self.counts[slot] += 1;
                        demoted.push(i);
                    } else {
                        self.counts[slot] -= 1;
                    }
                }
            }
        }
        demoted.sort_unstable();
        demoted.into_iter().map(|i| self.entries[i].ix).collect()
    }

    /// Non-leaf entries in the band at `counts[slot]`, by position.
    fn band_members(&self, slot: usize) -> impl Iterator<Item = usize> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| !e.leaf() && self.slot(e) == slot)
            .map(|(i, _)| i)
    }

    /// Opens a new level: entries that belong deeper move into its bands.
    fn deepen(&mut self) {
        let old = self.depth;
        self.depth += 1;
        self.grow_rows();
        let bands = self.bands();
        for i in 0..self.entries.len() {
            let e = self.entries[i];
            if !e.leaf() && e.natural > old {
                let from = old as usize * bands + self.rep(e.near, old) as usize;
                let to = self.depth as usize * bands + self.rep(e.near, self.depth) as usize;
                self.counts[from] -= 1;
                self.counts[to] += 1;
            }
        }
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
            if e.leaf() {
                return;
            }
            let level = self.level_of(&e);
            let slot = self.slot(&e);
            if self.counts[slot] as usize <= p.capacity {
                return;
            }
            let deeper = level == self.depth
                && self
                    .band_members(slot)
                    .any(|i| self.entries[i].natural > self.depth);
            if !deeper {
                // One insert overfills a band by one, but re-deriving the
                // levels (a local ID added or removed) or opening a level
                // can overfill it by many; each settled entry evicting just
                // one left bands over capacity once the overflowing entries
                // were themselves the victims. So evict until it fits.
                while self.counts[slot] as usize > p.capacity {
                    let members: Vec<usize> = self.band_members(slot).collect();
                    let band: Vec<Entry> = members.iter().map(|&i| self.entries[i]).collect();
                    let Some(victim) = densest(&band, ids) else {
                        break;
                    };
                    self.remove_at(members[victim], ids, p);
                }
                return;
            }
            self.deepen();
            // Entries that moved down may now crowd a band of the new level.
            let moved: Vec<IdIx> = self
                .entries
                .iter()
                .filter(|e| !e.leaf() && e.natural >= self.depth)
                .map(|e| e.ix)
                .collect();
            for m in moved {
                if m != ix {
                    self.settle(m, ids, p);
                }
            }
        }
    }

    /// Marks the remembered widest gaps of the bands below level 0 that
    /// hold `x` as unknown (an entry with ID `x` came or went): those of
    /// the local IDs within a band's half-width of `x`, at each level.
    fn forget_bands(&mut self, x: U256, p: &CacheParams) {
        let shares = self.band_shares.get_mut();
        let m = self.local.len();
        if shares.is_empty() || m == 0 {
            return;
        }
        let mut half = U256::HALF;
        for row in shares.chunks_mut(m) {
            half = half.div_u64(u64::from(p.span_ratio));
            let (lo, hi) = (x.wrapping_sub(half), x.wrapping_add(half));
            let from = self.local.partition_point(|l| l.id < lo);
            let to = self.local.partition_point(|l| l.id <= hi);
            if lo <= hi {
                row[from..to].fill(f64::NAN);
            } else {
                row[from..].fill(f64::NAN);
                row[..to].fill(f64::NAN);
            }
        }
    }

    /// Removes the entry at `pos`, keeping positions and counts in step
    /// (leaf flags are the caller's business).
    fn remove_at(&mut self, pos: usize, ids: &IdTable, p: &CacheParams) {
        self.touch();
        let e = self.entries.remove(pos);
        self.forget_bands(ids.id(e.ix), p);
        if !e.leaf() {
            let slot = self.slot(&e);
            self.counts[slot] -= 1;
        }
        for l in &mut self.local {
            if (pos as u32) < l.pos {
                l.pos -= 1;
            }
        }
    }

    /// Whether `x` would be stored if submitted now (used to skip the
    /// INQUIRE check for entries the cache would drop anyway).
    ///
    /// Decided without changing the cache: an entry that does not enter a
    /// leaf set pushes no other entry out of one, so only its own band can
    /// overflow; only when that overflow would open a new level (rare) is
    /// the insertion tried on a copy.
    pub fn would_accept(&self, x: IdIx, ids: &IdTable, p: &CacheParams) -> bool {
        if self.locals.contains(&x) {
            return false;
        }
        let Err(pos) = self.position(x, ids) else {
            return false;
        };
        let id = ids.id(x);
        let n = self.entries.len() + 1;
        let k = p.leaf_per_side.min(n);
        let leaf = self.local.iter().any(|l| {
            let at = l.pos as usize + usize::from(id < l.id);
            (pos + n - at) % n < k || (at + n - 1 - pos) % n < k
        });
        if leaf {
            return true;
        }
        let e = Entry::new(x, id, self.natural_level(id, p));
        let slot = self.slot(&e);
        if (self.counts[slot] as usize) < p.capacity {
            return true;
        }
        let deeper = self.level_of(&e) == self.depth
            && (e.natural > self.depth
                || self
                    .band_members(slot)
                    .any(|i| self.entries[i].natural > self.depth));
        if deeper {
            let mut probe = self.clone();
            return matches!(probe.insert(x, ids, p), Insert::Added { .. });
        }
        let mut members: Vec<Entry> = Vec::with_capacity(p.capacity + 1);
        let mut at = None;
        for i in self.band_members(slot) {
            if i >= pos && at.is_none() {
                at = Some(members.len());
                members.push(e);
            }
            members.push(self.entries[i]);
        }
        let at = at.unwrap_or_else(|| {
            members.push(e);
            members.len() - 1
        });
        densest(&members, ids) != Some(at)
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
        let id = ids.id(x);
        let e = Entry::new(x, id, self.natural_level(id, p));
        self.touch();
        if self.entries.len() == self.entries.capacity() {
            // Grow by a quarter instead of doubling: caches settle at a few
            // dozen to a few hundred entries, and a doubled vector would
            // leave up to half of every host's largest structure unused.
            self.entries.reserve_exact((self.entries.len() / 4).max(8));
        }
        self.entries.insert(pos, e);
        self.forget_bands(id, p);
        let slot = self.slot(&e);
        self.counts[slot] += 1;
        for l in &mut self.local {
            if id < l.id {
                l.pos += 1;
            }
        }
        let demoted = self.update_leaves(p.leaf_per_side, Some(pos));
        let leaf = self.entries[pos].leaf();
        // The new entry's band, and the bands of entries it pushed out of a
        // leaf set, may now be over capacity.
        self.settle(x, ids, p);
        for ix in demoted {
            self.settle(ix, ids, p);
        }
        if self.contains(x, ids) {
            Insert::Added { leaf }
        } else {
            Insert::Rejected
        }
    }

    /// Drops an entry whose owner did not answer.
    pub fn remove(&mut self, x: IdIx, ids: &IdTable, p: &CacheParams) -> bool {
        match self.position(x, ids) {
            Ok(pos) => {
                self.remove_at(pos, ids, p);
                self.update_leaves(p.leaf_per_side, Some(pos));
                true
            }
            Err(_) => false,
        }
    }

    /// The cached entry closest to `target` that `skip` does not exclude.
    pub fn closest(
        &self,
        target: U256,
        ids: &IdTable,
        mut skip: impl FnMut(IdIx) -> bool,
    ) -> Option<IdIx> {
        let n = self.entries.len();
        if n == 0 {
            return None;
        }
        let p = self.below(target, ids);
        let (mut up, mut down) = (0usize, 0usize);
        while up + down < n {
            let hi = self.entries[Self::around(p, up, n)[0]].ix;
            let lo = self.entries[Self::around(p, down, n)[1]].ix;
            let take_hi = super::id::closer(target, ids.id(hi), ids.id(lo)).is_le();
            let pick = if take_hi {
                up += 1;
                hi
            } else {
                down += 1;
                lo
            };
            if !skip(pick) {
                return Some(pick);
            }
        }
        None
    }

    /// The cached entries nearest to `x` on each side that `skip` does not
    /// exclude, below then above (the FLOOD targets of §3.2.5.11: the
    /// nearest cached PNRP ID less and greater than the new entry's).
    pub fn nearest_beside(
        &self,
        x: U256,
        ids: &IdTable,
        mut skip: impl FnMut(IdIx) -> bool,
    ) -> [Option<IdIx>; 2] {
        let n = self.entries.len();
        let at = self.below(x, ids);
        let mut side = |clockwise: bool| {
            (0..n)
                .map(|k| self.entries[Self::around(at, k, n)[usize::from(!clockwise)]].ix)
                .find(|&ix| ids.id(ix) != x && !skip(ix))
        };
        [side(false), side(true)]
    }

    /// The local ID closest to `target`.
    ///
    /// What `min_by` of [`super::id::closer`] over the local IDs gives (the
    /// smaller ID of two equally near ones, the first of equal IDs), from
    /// [`Cache::nearest_local`]'s two binary searches: the local IDs are
    /// sorted by ID, so a smaller index is a smaller ID.
    pub fn closest_local(&self, target: U256, _ids: &IdTable) -> Option<IdIx> {
        self.nearest_local(target).map(|(j, _)| self.locals[j])
    }

    /// The leaf set of local ID `local`: up to `leaf_per_side` nearest
    /// entries counter-clockwise, then clockwise, nearest first.
    pub fn leaf_set(&self, local: IdIx, ids: &IdTable, p: &CacheParams) -> (Vec<IdIx>, Vec<IdIx>) {
        let n = self.entries.len();
        let pos = match self.locals.iter().position(|&l| l == local) {
            Some(j) => self.local[j].pos as usize,
            None => self.below(ids.id(local), ids),
        };
        let side = |clockwise: bool| {
            (0..p.leaf_per_side.min(n))
                .map(|k| self.entries[Self::around(pos, k, n)[usize::from(!clockwise)]].ix)
                .collect()
        };
        (side(false), side(true))
    }

    /// Whether `x` (cached or not) lies inside the leaf-set range of one of
    /// the local IDs: fewer than `leaf_per_side` cached entries lie between
    /// them on x's side.
    ///
    /// Only two local IDs need asking: the nearest at or before `x` and the
    /// nearest after it (around the ring). Any other local ID on the same
    /// side is farther, so it takes the same direction and has at least as
    /// many entries between it and `x`.
    pub fn in_leaf_range(&self, x: U256, ids: &IdTable, p: &CacheParams) -> bool {
        let (n, m) = (self.entries.len(), self.local.len());
        if m == 0 {
            return false;
        }
        let below_x = self.below(x, ids);
        let upto_x = below_x + self.equal_from(below_x, x, ids);
        let after = self.local.partition_point(|l| l.id <= x);
        [(after + m - 1) % m, after % m].iter().any(|&j| {
            let l = &self.local[j];
            let (lid, lo) = (l.id, l.pos as usize);
            let between = if lid.clockwise_to(x) <= x.clockwise_to(lid) {
                // Entries in [lid, x), clockwise.
                if lid <= x {
                    below_x - lo
                } else {
                    n - lo + below_x
                }
            } else {
                // Entries in (x, lid], counter-clockwise.
                let upto_lid = lo + self.equal_from(lo, lid, ids);
                if x < lid {
                    upto_lid - upto_x
                } else {
                    n - upto_x + upto_lid
                }
            };
            between < p.leaf_per_side
        })
    }

    /// The cached entries closest to each of `points`, without repeats
    /// (the IDs an ADVERTISE offers, spread over the ring).
    pub fn spread(&self, points: &[U256], ids: &IdTable) -> Vec<IdIx> {
        let mut out: Vec<IdIx> = Vec::with_capacity(points.len());
        for &pt in points {
            if let Some(ix) = self.closest(pt, ids, |ix| out.contains(&ix)) {
                out.push(ix);
            }
        }
        out
    }

    /// The largest hole in a level above the deepest, relative to the
    /// level's span, if it exceeds `fraction` of the span: returns the point
    /// in its middle (the target of a cache-balancing lookup).
    ///
    /// A level is examined only where a wide hole is a gap in knowledge,
    /// not in the cloud: a level that has overflowed once (k < depth), whose
    /// part of the ring is known to hold more IDs than one level keeps; and
    /// the deepest level when the cloud-size estimate (§3.2.6.2.1.1) puts
    /// more than one level's capacity of IDs in its band, so that it fills,
    /// overflows and opens the next level: levels then follow
    /// log10(registrations), as the spec's cache does.
    pub fn balancing_target(&self, fraction: f64, ids: &IdTable, p: &CacheParams) -> Option<U256> {
        if let Some((bits, target)) = self.memo.get().balance {
            if bits == fraction.to_bits() {
                return target;
            }
        }
        let target = self.find_balancing_target(fraction, ids, p);
        let mut memo = self.memo.get();
        memo.balance = Some((fraction.to_bits(), target));
        self.memo.set(memo);
        target
    }

    fn find_balancing_target(&self, fraction: f64, ids: &IdTable, p: &CacheParams) -> Option<U256> {
        let regs_log = self
            .estimated_registrations(ids)
            .map_or(f64::NEG_INFINITY, f64::log10);
        let capacity_log = (p.capacity as f64).log10();
        let sizes = self.band_sizes();
        // Every band of every local ID reads the entries' IDs: fetched from
        // the table once, in order, rather than once per band.
        let all: Vec<U256> = self.entries.iter().map(|e| ids.id(e.ix)).collect();
        // Level 0 is the whole ring for every local ID: its gaps are sized
        // once, not once per local ID (with fewer than two entries the
        // general walk below is as cheap).
        let ring = (all.len() >= 2).then(|| RingGaps::new(&all));
        let m = self.local.len();
        // With one local ID there is one band per level, few enough to
        // walk every time: nothing is remembered (and no memory spent).
        let remember = m > 1;
        let mut shares = self.band_shares.take();
        if remember {
            shares.resize(self.depth as usize * m, f64::NAN);
        }
        // The best so far: its share, and the target, or where to find it
        // again (a local ID and level whose share was remembered).
        let mut best: Option<(f64, Result<U256, Band>)> = None;
        let mut points: Vec<U256> = Vec::new();
        let widest_in =
            |points: &mut Vec<U256>, lid: U256, level: u8, half: U256, span_log: f64| {
                band_points(&all, points, lid, level, half);
                // At level 0 the band is the whole ring: gaps are cyclic.
                widest_gap(points, level == 0, span_log)
            };
        for (li, local) in self.local.iter().enumerate() {
            let lid = local.id;
            let mut half = U256::HALF;
            for level in 0..=self.depth {
                if level > 0 {
                    half = half.div_u64(u64::from(p.span_ratio));
                }
                // A band merged from g local IDs' bands shares one level's
                // capacity over about g times the span: its entries are g
                // times sparser, and so is the gap it may leave.
                let merged =
                    sizes[level as usize * self.bands() + self.rep(li as u16, level) as usize];
                let span_log = RING_LOG10 - f64::from(level) * Self::log_ratio(p)
                    + f64::from(merged.max(1)).log10();
                if level == self.depth && regs_log + span_log - RING_LOG10 <= capacity_log {
                    break;
                }
                let remembered = (remember && level > 0).then(|| (level as usize - 1) * m + li);
                let (share, target) = match remembered.map(|slot| shares[slot]) {
                    Some(share) if !share.is_nan() => {
                        let band = Band {
                            local: li,
                            level,
                            half,
                            span_log,
                        };
                        (share, Err(band))
                    }
                    _ => {
                        let widest = match &ring {
                            Some(ring) if level == 0 => Some(ring.widest_with(&all, lid, span_log)),
                            _ => widest_in(&mut points, lid, level, half, span_log),
                        };
                        let Some((share, from, to)) = widest else {
                            continue;
                        };
                        if let Some(slot) = remembered {
                            shares[slot] = share;
                        }
                        (share, Ok(from.arc_midpoint(to)))
                    }
                };
                if share > fraction && best.is_none_or(|(s, _)| share > s) {
                    best = Some((share, target));
                }
            }
        }
        self.band_shares.replace(shares);
        let target = |b: Band| {
            let lid = self.local[b.local].id;
            let (_, from, to) = widest_in(&mut points, lid, b.level, b.half, b.span_log)
                .expect("a band below level 0 has gaps");
            from.arc_midpoint(to)
        };
        best.map(|(_, found)| found.unwrap_or_else(target))
    }

    /// Number of local IDs in each band (indexed like `counts`).
    fn band_sizes(&self) -> Vec<u32> {
        let mut sizes = vec![0; self.counts.len()];
        for level in 0..=self.depth {
            for j in 0..self.locals.len() {
                sizes[level as usize * self.bands() + self.rep(j as u16, level) as usize] += 1;
            }
        }
        sizes
    }

    /// Cloud size estimate of §3.2.6.2.1.1: for each local ID with
    /// neighbours A below and B above, `2 · 2^256 / (B − A)`, ignoring
    /// estimates of 2^32 or more; averaged over the rest. This counts
    /// registrations (PNRP IDs); divide by the number of local IDs for
    /// hosts.
    pub fn estimated_registrations(&self, ids: &IdTable) -> Option<f64> {
        let mut memo = self.memo.get();
        if let Some(estimate) = memo.registrations {
            return estimate;
        }
        let estimate = self.estimate_registrations(ids);
        memo.registrations = Some(estimate);
        self.memo.set(memo);
        estimate
    }

    fn estimate_registrations(&self, ids: &IdTable) -> Option<f64> {
        let n = self.entries.len();
        if n < 2 || self.local.is_empty() {
            return None;
        }
        let mut counted = 0usize;
        let sum: f64 = self
            .local
            .iter()
            .filter_map(|l| {
                let [above, below] = Self::around(l.pos as usize, 0, n);
                size_estimate(
                    ids.id(self.entries[below].ix),
                    ids.id(self.entries[above].ix),
                )
            })
            .inspect(|_| counted += 1)
            .sum();
        (counted > 0).then(|| sum / counted as f64)
    }

    /// The largest number of non-leaf entries in one band of one level.
    pub fn max_level_fill(&self) -> u32 {
        self.counts.iter().copied().max().unwrap_or(0)
    }
}

/// One local ID's cloud-size estimate from its nearest neighbours `below`
/// and `above` (§3.2.6.2.1.1): `2 · 2^256 / (above − below)`, or `None`
/// when it reaches 2^32 — which the specification says to ignore, since it
/// happens when the same peer name is registered several times (IDs a
/// service location apart).
pub(super) fn size_estimate(below: U256, above: U256) -> Option<f64> {
    let estimate = 2.0 * 10f64.powf(RING_LOG10 - below.clockwise_to(above).log10());
    (estimate < 2f64.powi(32)).then_some(estimate)
}

/// Index of the member (of `members`, sorted by ID and read as a ring)
/// whose removal leaves the smallest hole, from its predecessor to its
/// successor; ties go to the smaller ID.
///
/// The holes are first sized from the members' 32-bit keys: a key
/// difference `a` puts the hole strictly between `a - 1` and `a + 1` units
/// of 2^224, so only members within one unit of the smallest need their
/// full IDs from the table (a cache miss each in a large cloud). A zero
/// difference is ambiguous (a tiny hole, or nearly the whole ring): it does
/// not set the smallest, and is always resolved exactly.
fn densest(members: &[Entry], ids: &IdTable) -> Option<usize> {
    let n = members.len();
    let approx = |k: usize| {
        members[(k + 1) % n]
            .key
            .wrapping_sub(members[(k + n - 1) % n].key)
    };
    let least = (0..n).map(approx).filter(|&a| a != 0).min();
    let id = |k: usize| ids.id(members[k].ix);
    (0..n)
        .filter(|&k| least.is_none_or(|m| approx(k) <= m.saturating_add(1)))
        .min_by_key(|&k| (id((k + n - 1) % n).clockwise_to(id((k + 1) % n)), id(k)))
}

/// The widest gap between consecutive `points` (also from the last to the
/// first when `cyclic`) as a share of the span `10^span_log`, with its ends;
/// the first one in order when several are equally wide.
///
/// Only gaps within 2^-20 of the widest get the floating-point share: any
/// narrower one is smaller by far more than the rounding error of
/// `log10`/`powf` (about 1e-13), so the result is the one that computing
/// every share in order would give.
fn widest_gap(points: &[U256], cyclic: bool, span_log: f64) -> Option<(f64, U256, U256)> {
    let len = points.len();
    let gaps = if cyclic { len } else { len.saturating_sub(1) };
    let pair = |i: usize| (points[i], points[(i + 1) % len]);
    let widest = (0..gaps)
        .map(|i| {
            let (a, b) = pair(i);
            a.clockwise_to(b)
        })
        .max()?;
    let floor = near_floor(widest);
    let mut best: Option<(f64, usize)> = None;
    for i in 0..gaps {
        let (a, b) = pair(i);
        let gap = a.clockwise_to(b);
        if gap < floor {
            continue;
        }
        let share = share_of(gap, span_log);
        if best.is_none_or(|(s, _)| share > s) {
            best = Some((share, i));
        }
    }
    best.map(|(share, i)| {
        let (a, b) = pair(i);
        (share, a, b)
    })
}

/// The IDs among `all` (sorted) in the band of half-width `half` around
/// `lid` at `level`, in clockwise order from the band's lower edge, with
/// `lid` among them; below level 0 the band's two edges come first and last.
fn band_points(all: &[U256], out: &mut Vec<U256>, lid: U256, level: u8, half: U256) {
    out.clear();
    let lower = lid.wrapping_sub(half);
    let width = half.wrapping_add(half); // 0 (= whole ring) at level 0
    if level > 0 {
        out.push(lower);
    }
    let n = all.len();
    let start = all.partition_point(|&x| x < lower);
    let mut lid_placed = false;
    for t in 0..n {
        let x = all[(start + t) % n];
        let offset = lower.clockwise_to(x);
        if level > 0 && offset >= width {
            break;
        }
        if !lid_placed && offset > half {
            out.push(lid);
            lid_placed = true;
        }
        out.push(x);
    }
    if !lid_placed {
        out.push(lid);
    }
    if level > 0 {
        out.push(lower.wrapping_add(width));
    }
}

/// A gap as a share of the span `10^span_log`.
fn share_of(gap: U256, span_log: f64) -> f64 {
    10f64.powf(gap.log10() - span_log)
}

/// The gaps between consecutive entries around the whole ring, shared by
/// the level-0 bands of all local IDs: each of them sees the same cyclic
/// run of entries, with only its own ID inserted, which splits one gap.
///
/// [`RingGaps::widest_with`] gives what [`widest_gap`] gives for the
/// points of [`band_points`] at level 0, in O(log n) instead of O(n) per
/// local ID.
struct RingGaps {
    /// `gaps[i]`: from entry `i` to the next one (cyclic).
    gaps: Vec<U256>,
    /// The widest gap, and the widest of all the others.
    first: (usize, U256),
    second: U256,
    /// The gaps within 2^-20 of `second`, in ID order: the only ones that
    /// can be near the widest of a local ID's points, whose widest is at
    /// least `second`.
    near: Vec<usize>,
}

impl RingGaps {
    /// `all`: the entries' IDs (at least two), sorted.
    fn new(all: &[U256]) -> RingGaps {
        let n = all.len();
        let gaps: Vec<U256> = (0..n)
            .map(|i| all[i].clockwise_to(all[(i + 1) % n]))
            .collect();
        let mut first = (0, gaps[0]);
        let mut second = U256::ZERO;
        for (i, &g) in gaps.iter().enumerate().skip(1) {
            if g > first.1 {
                second = first.1;
                first = (i, g);
            } else {
                second = second.max(g);
            }
        }
        let floor = near_floor(second);
        let near = (0..n).filter(|&i| gaps[i] >= floor).collect();
        RingGaps {
            gaps,
            first,
            second,
            near,
        }
    }

    /// The widest gap among the entries (`all`) and `lid` (not an entry), read
    /// clockwise from the antipode of `lid`, as [`widest_gap`] reports it:
    /// the largest share, the first in that order among equal ones.
    fn widest_with(&self, all: &[U256], lid: U256, span_log: f64) -> (f64, U256, U256) {
        let n = all.len();
        let id = |i: usize| all[i];
        let lower = lid.wrapping_sub(U256::HALF);
        let start = all.partition_point(|&x| x < lower) % n;
        // Clockwise offsets from `lower` grow along the run; `lid` (offset
        // HALF) goes after the `split` entries whose offset is not larger.
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if lower.clockwise_to(id((start + mid) % n)) <= U256::HALF {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let split = lo;
        // Order of a gap among the points: that of the point it starts at
        // (`lid` is point `split`; the entry `t` places after `start` is
        // point `t`, or `t + 1` from `split` on).
        let order = |i: usize| {
            let t = (i + n - start) % n;
            t + usize::from(t >= split)
        };
        let before = (start + split + n - 1) % n;
        let after = (before + 1) % n;
        let halves = [(order(before), id(before), lid), (split, lid, id(after))];
        let others = if self.first.0 == before {
            self.second
        } else {
            self.first.1
        };
        let widest = halves
            .iter()
            .map(|&(_, a, b)| a.clockwise_to(b))
            .fold(others, U256::max);
        let floor = near_floor(widest);
        let candidates = self
            .near
            .iter()
            .filter(|&&i| i != before && self.gaps[i] >= floor)
            .map(|&i| (order(i), id(i), id((i + 1) % n)))
            .chain(
                halves
                    .into_iter()
                    .filter(|&(_, a, b)| a.clockwise_to(b) >= floor),
            );
        let mut best: Option<(f64, usize, U256, U256)> = None;
        for (at, a, b) in candidates {
            let share = share_of(a.clockwise_to(b), span_log);
            if best.is_none_or(|(s, o, _, _)| share > s || (share == s && at < o)) {
                best = Some((share, at, a, b));
            }
        }
        let (share, _, a, b) = best.expect("the widest gap is a candidate");
        (share, a, b)
    }
}

/// Gaps below this (2^-20 under the widest, `widest`) are narrower than
/// it by far more than the rounding error of [`share_of`].
fn near_floor(widest: U256) -> U256 {
    widest.wrapping_sub(widest.div_u64(1 << 20))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::id::HostIx;
    use rand::{Rng as _, SeedableRng};

    const P: CacheParams = CacheParams {
        capacity: 20,
        span_ratio: 10,
        leaf_per_side: 5,
    };

    fn random_table(n: usize, seed: u64) -> IdTable {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut t = IdTable::default();
        for i in 0..n {
            t.insert(U256(rng.random()), HostIx(i as u32));
        }
        t
    }

    /// The true nearest `k` IDs on each side of `id` among `others`.
    fn true_leaf_set(id: U256, others: &[U256], k: usize) -> (Vec<U256>, Vec<U256>) {
        let mut cw: Vec<U256> = others.to_vec();
        cw.sort_by_key(|&x| id.clockwise_to(x));
        let mut ccw: Vec<U256> = others.to_vec();
        ccw.sort_by_key(|&x| x.clockwise_to(id));
        (ccw[..k].to_vec(), cw[..k].to_vec())
    }

    #[test]
    fn levels_grow_with_log10_and_bands_stay_within_capacity() {
        let n = 20_000;
        let ids = random_table(n, 1);
        let mut c = Cache::default();
        c.add_local(IdIx(0), &ids, &P);
        let mut levels_at = Vec::new();
        for i in 1..n {
            c.insert(IdIx(i as u32), &ids, &P);
            if [200, 2_000, 19_999].contains(&i) {
                levels_at.push(c.levels());
            }
            if i % 997 == 0 {
                assert!(c.max_level_fill() <= 20);
            }
        }
        assert!(c.max_level_fill() <= 20);
        // One more level per tenfold more IDs.
        assert_eq!(levels_at[1], levels_at[0] + 1, "{levels_at:?}");
        assert_eq!(levels_at[2], levels_at[1] + 1, "{levels_at:?}");
        // Leaf set equals the true nearest among everything submitted.
        let others: Vec<U256> = (1..n).map(|i| ids.id(IdIx(i as u32))).collect();
        let (below, above) = c.leaf_set(IdIx(0), &ids, &P);
        let (tb, ta) = true_leaf_set(ids.id(IdIx(0)), &others, 5);
        let ids_of = |v: Vec<IdIx>| v.into_iter().map(|x| ids.id(x)).collect::<Vec<_>>();
        assert_eq!(ids_of(below), tb);
        assert_eq!(ids_of(above), ta);
        // Bounded size: ~20 per level plus the leaf set.
        assert!(c.len() <= 20 * c.levels() as usize + 10, "{}", c.len());
    }

    #[test]
    fn closest_finds_the_nearest_entry_and_honours_skip() {
        let ids = random_table(300, 2);
        let mut c = Cache::default();
        c.add_local(IdIx(0), &ids, &P);
        for i in 1..300 {
            c.insert(IdIx(i), &ids, &P);
        }
        let target = U256([0x1234_5678_9abc_def0, 0, 0, 0]);
        let cached: Vec<IdIx> = c.entries().collect();
        let best = *cached
            .iter()
            .min_by(|&&a, &&b| crate::protocol::id::closer(target, ids.id(a), ids.id(b)))
            .unwrap();
        assert_eq!(c.closest(target, &ids, |_| false), Some(best));
        let second = c.closest(target, &ids, |x| x == best).unwrap();
        assert_ne!(second, best);
        assert!(c.remove(best, &ids, &P));
        assert_eq!(c.closest(target, &ids, |_| false), Some(second));
    }

    #[test]
    fn known_and_local_ids_are_not_added_twice() {
        let ids = random_table(10, 3);
        let mut c = Cache::default();
        c.add_local(IdIx(0), &ids, &P);
        assert_eq!(c.insert(IdIx(0), &ids, &P), Insert::Known);
        assert_eq!(c.insert(IdIx(1), &ids, &P), Insert::Added { leaf: true });
        assert_eq!(c.insert(IdIx(1), &ids, &P), Insert::Known);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn balancing_finds_a_hole_in_a_full_level() {
        let ids = random_table(5_000, 4);
        let mut c = Cache::default();
        c.add_local(IdIx(0), &ids, &P);
        // Only IDs from one half of the ring: the other half of level 0 is a
        // hole that balancing must point into.
        let lid = ids.id(IdIx(0));
        for i in 1..5_000u32 {
            let x = ids.id(IdIx(i));
            if lid.clockwise_to(x) < U256::HALF {
                c.insert(IdIx(i), &ids, &P);
            }
        }
        assert!(c.levels() >= 2);
        let t = c.balancing_target(0.25, &ids, &P).expect("a hole");
        assert!(lid.clockwise_to(t) > U256::HALF, "target in the empty half");
    }

    #[test]
    fn cloud_size_estimate_is_in_the_right_decade() {
        let n = 10_000;
        let ids = random_table(n, 5);
        let mut est = Vec::new();
        for local in 0..50u32 {
            let mut c = Cache::default();
            c.add_local(IdIx(local), &ids, &P);
            for i in 0..n as u32 {
                c.insert(IdIx(i), &ids, &P);
            }
            est.push(c.estimated_registrations(&ids).unwrap());
        }
        est.sort_by(f64::total_cmp);
        let median = est[est.len() / 2];
        assert!(median > 3_000.0 && median < 30_000.0, "{median}");
    }

    /// §3.2.6.2.1.1: an estimate of 2^32 or more (neighbours very close,
    /// as when the same peer name is registered several times) is ignored;
    /// the others are averaged.
    #[test]
    fn cloud_size_estimate_ignores_estimates_of_2_32_or_more() {
        let mut ids = IdTable::default();
        let quarter = 1u128 << 126;
        let a = ids.insert(U256::from_parts(quarter, 0), HostIx(0));
        let b = ids.insert(U256::from_parts(3 * quarter, 5), HostIx(0));
        // A's neighbours an eighth of the ring away on each side: B − A is
        // 2^254, an estimate of 8. B's are 2 apart: 2^256, ignored.
        let near_a = [quarter - (1 << 125), quarter + (1 << 125)];
        let mut c = Cache::default();
        c.add_local(a, &ids, &P);
        c.add_local(b, &ids, &P);
        for (i, high) in near_a.into_iter().enumerate() {
            let x = ids.insert(U256::from_parts(high, 0), HostIx(1 + i as u32));
            c.insert(x, &ids, &P);
        }
        for (i, low) in [4, 6].into_iter().enumerate() {
            let x = ids.insert(U256::from_parts(3 * quarter, low), HostIx(3 + i as u32));
            c.insert(x, &ids, &P);
        }
        let estimate = c.estimated_registrations(&ids).expect("A's counts");
        assert!((estimate - 8.0).abs() < 1e-6, "{estimate}");
    }

    /// The fast cache against the straightforward one (`reference.rs`):
    /// random operations, with clustered, shared-prefix and duplicate IDs,
    /// must give the same answers and the same contents after every step.
    #[test]
    fn behaves_exactly_like_the_reference_cache() {
        use super::reference::RefCache;
        let shapes = [
            CacheParams {
                capacity: 20,
                span_ratio: 10,
                leaf_per_side: 5,
            },
            CacheParams {
                capacity: 3,
                span_ratio: 4,
                leaf_per_side: 2,
            },
            CacheParams {
                capacity: 5,
                span_ratio: 2,
                leaf_per_side: 1,
            },
        ];
        for (round, p) in shapes.iter().enumerate() {
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(round as u64);
            let mut ids = IdTable::default();
            let mut last = U256::ZERO;
            for i in 0..2_000u32 {
                let id = match rng.random_range(0..20) {
                    // Same peer name (high half), another service location.
                    0..=1 => U256::from_parts(last.high(), rng.random()),
                    // Very close to the previous ID.
                    2 => last.wrapping_add(U256([0, 0, 0, rng.random_range(1..100)])),
                    // An exact duplicate of the previous ID.
                    3 => last,
                    _ => U256(rng.random()),
                };
                last = id;
                ids.insert(id, HostIx(i));
            }
            let mut fast = Cache::default();
            let mut slow = RefCache::default();
            let any = |rng: &mut rand_xoshiro::Xoshiro256PlusPlus| IdIx(rng.random_range(0..2_000));
            for step in 0..6_000 {
                let x = any(&mut rng);
                match rng.random_range(0..100) {
                    0..=2 if fast.locals().len() < 6 => {
                        if !fast.locals().contains(&x) {
                            fast.add_local(x, &ids, p);
                            slow.add_local(x, &ids, p);
                        }
                    }
                    3..=4 => {
                        if let Some(&l) = fast.locals().first() {
                            fast.remove_local(l, &ids, p);
                            slow.remove_local(l, &ids, p);
                        }
                    }
                    5..=14 => {
                        assert_eq!(fast.remove(x, &ids, p), slow.remove(x, &ids, p));
                    }
                    15..=29 => {
                        assert_eq!(
                            fast.would_accept(x, &ids, p),
                            slow.would_accept(x, &ids, p),
                            "would_accept, step {step}"
                        );
                    }
                    30..=34 => {
                        let t = if rng.random() {
                            ids.id(x)
                        } else {
                            U256(rng.random())
                        };
                        assert_eq!(
                            fast.in_leaf_range(t, &ids, p),
                            slow.in_leaf_range(t, &ids, p),
                            "in_leaf_range, step {step}"
                        );
                    }
                    _ => {
                        assert_eq!(
                            fast.insert(x, &ids, p),
                            slow.insert(x, &ids, p),
                            "insert, step {step}"
                        );
                    }
                }
                assert!(fast.entries().eq(slow.entries()), "entries, step {step}");
                assert_eq!(fast.levels(), slow.levels(), "levels, step {step}");
                if step % 7 == 0 {
                    for fraction in [0.1, 0.25, 0.5] {
                        assert_eq!(
                            fast.balancing_target(fraction, &ids, p),
                            slow.balancing_target(fraction, &ids, p),
                            "balancing_target, step {step}"
                        );
                    }
                    assert_eq!(
                        fast.estimated_registrations(&ids).map(f64::to_bits),
                        slow.estimated_registrations(&ids).map(f64::to_bits)
                    );
                    assert_eq!(
                        fast.max_level_fill(),
                        slow.max_level_fill(&ids, p),
                        "max_level_fill, step {step}"
                    );
                    for &l in fast.locals() {
                        assert_eq!(fast.leaf_set(l, &ids, p), slow.leaf_set(l, &ids, p));
                    }
                    // The nearest local ID, also exactly between two of them
                    // (where the smaller ID wins).
                    let locals: Vec<U256> = fast.locals().iter().map(|&l| ids.id(l)).collect();
                    let mut targets = vec![ids.id(x)];
                    for (k, &a) in locals.iter().enumerate() {
                        let b = locals[(k + 1) % locals.len()];
                        targets.extend([a, a.wrapping_add(U256([0, 0, 0, 1])), a.arc_midpoint(b)]);
                    }
                    for t in targets {
                        let expected =
                            fast.locals().iter().copied().min_by(|&a, &b| {
                                crate::protocol::id::closer(t, ids.id(a), ids.id(b))
                            });
                        assert_eq!(
                            fast.closest_local(t, &ids),
                            expected,
                            "closest_local, step {step}"
                        );
                    }
                }
            }
        }
    }

    /// Adding or removing a local ID re-derives every level from scratch,
    /// which can overfill a band by several entries at once (removing a
    /// local ID turns its leaf set into ordinary entries): every band must
    /// still end within capacity. Regression: each settled entry evicted
    /// one, so a band stayed over capacity when the entries still to be
    /// settled were the ones evicted (found by the property test).
    #[test]
    fn relabelling_leaves_every_band_within_capacity() {
        use super::reference::RefCache;
        let ids = random_table(400, 6);
        for (capacity, span_ratio) in [(1, 8), (2, 7), (3, 10)] {
            let p = CacheParams {
                capacity,
                span_ratio,
                leaf_per_side: 4,
            };
            let mut fast = Cache::default();
            let mut slow = RefCache::default();
            let locals = 300..310;
            for local in locals.clone() {
                fast.add_local(IdIx(local), &ids, &p);
                slow.add_local(IdIx(local), &ids, &p);
            }
            for i in 0..300 {
                fast.insert(IdIx(i), &ids, &p);
                slow.insert(IdIx(i), &ids, &p);
            }
            for local in locals.skip(1) {
                fast.remove_local(IdIx(local), &ids, &p);
                slow.remove_local(IdIx(local), &ids, &p);
                for (fill, who) in [
                    (fast.max_level_fill(), "fast"),
                    (slow.max_level_fill(&ids, &p), "reference"),
                ] {
                    assert!(
                        fill as usize <= capacity,
                        "{who}: a band holds {fill} > {capacity} after removing local {local}"
                    );
                }
                assert!(fast.entries().eq(slow.entries()));
            }
        }
    }

    /// The key-based shortcut of `densest` picks what comparing every hole
    /// exactly picks, also when keys are nearly or exactly equal.
    #[test]
    fn densest_matches_exact_holes() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        for round in 0..2_000 {
            let n = rng.random_range(1..25);
            let spread = [4u64, 64, 1 << 32][round % 3];
            let mut ids = IdTable::default();
            let mut members: Vec<U256> = (0..n)
                .map(|_| {
                    let top = rng.random_range(0..spread) << 32;
                    U256([top | u64::from(rng.random::<u32>()), rng.random(), 0, 0])
                })
                .collect();
            members.sort();
            let entries: Vec<Entry> = members
                .iter()
                .enumerate()
                .map(|(i, &id)| Entry::new(ids.insert(id, HostIx(i as u32)), id, (0, 0)))
                .collect();
            let exact = (0..n).min_by_key(|&k| {
                let hole = members[(k + n - 1) % n].clockwise_to(members[(k + 1) % n]);
                (hole, members[k])
            });
            assert_eq!(densest(&entries, &ids), exact, "round {round}");
        }
    }
}

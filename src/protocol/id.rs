//! 256-bit PNRP IDs on a ring of size 2^256, and the table that stores each
//! ID once.
//!
//! A PNRP ID is the 128-bit P2P ID (hash of the peer name) followed by the
//! 128-bit service location (§1.3.1). Distance is numeric with wrap-around.
//! Caches and messages refer to IDs by [`IdIx`], a 4-byte index into the
//! [`IdTable`], so the 32-byte value is stored once per registration.

use std::cmp::Ordering;
use std::fmt;

/// An unsigned 256-bit integer, most significant word first.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct U256(pub [u64; 4]);

/// Numeric order, as two 128-bit comparisons: the same order as the
/// derived one (word by word, most significant first), without the
/// derived slice comparison that sorting and searching IDs spend most of
/// their time in.
impl Ord for U256 {
    #[inline]
    fn cmp(&self, o: &Self) -> Ordering {
        self.high()
            .cmp(&o.high())
            .then_with(|| self.low().cmp(&o.low()))
    }
}

impl PartialOrd for U256 {
    #[inline]
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl U256 {
    pub const ZERO: U256 = U256([0; 4]);
    pub const MAX: U256 = U256([u64::MAX; 4]);
    /// 2^255, half the ring.
    pub const HALF: U256 = U256([1 << 63, 0, 0, 0]);

    pub fn from_parts(high: u128, low: u128) -> Self {
        U256([
            (high >> 64) as u64,
            high as u64,
            (low >> 64) as u64,
            low as u64,
        ])
    }
    pub fn high(self) -> u128 {
        (u128::from(self.0[0]) << 64) | u128::from(self.0[1])
    }
    pub fn low(self) -> u128 {
        (u128::from(self.0[2]) << 64) | u128::from(self.0[3])
    }

    pub fn wrapping_add(self, o: U256) -> U256 {
        let mut out = [0u64; 4];
        let mut carry = false;
        for i in (0..4).rev() {
            let (s1, c1) = self.0[i].overflowing_add(o.0[i]);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            out[i] = s2;
            carry = c1 || c2;
        }
        U256(out)
    }

    pub fn wrapping_sub(self, o: U256) -> U256 {
        let mut out = [0u64; 4];
        let mut borrow = false;
        for i in (0..4).rev() {
            let (d1, b1) = self.0[i].overflowing_sub(o.0[i]);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            out[i] = d2;
            borrow = b1 || b2;
        }
        U256(out)
    }

    pub fn plus_one(self) -> U256 {
        self.wrapping_add(U256([0, 0, 0, 1]))
    }

    /// Ring distance: the shorter way round, `min(a − b, b − a) mod 2^256`.
    pub fn ring_distance(self, o: U256) -> U256 {
        let a = self.wrapping_sub(o);
        let b = o.wrapping_sub(self);
        a.min(b)
    }

    /// Clockwise distance from `self` up to `o` (`o − self mod 2^256`).
    pub fn clockwise_to(self, o: U256) -> U256 {
        o.wrapping_sub(self)
    }

    /// Midpoint of the clockwise arc from `self` to `o`.
    pub fn arc_midpoint(self, o: U256) -> U256 {
        self.wrapping_add(self.clockwise_to(o).shr1())
    }

    /// Integer division by a small divisor (band widths: `2^255 / ratio^k`).
    pub fn div_u64(self, d: u64) -> U256 {
        let mut out = [0u64; 4];
        let mut rem: u128 = 0;
        for (i, w) in self.0.iter().enumerate() {
            let cur = (rem << 64) | u128::from(*w);
            out[i] = (cur / u128::from(d)) as u64;
            rem = cur % u128::from(d);
        }
        U256(out)
    }

    pub fn shr1(self) -> U256 {
        let w = self.0;
        U256([
            w[0] >> 1,
            (w[1] >> 1) | (w[0] << 63),
            (w[2] >> 1) | (w[1] << 63),
            (w[3] >> 1) | (w[2] << 63),
        ])
    }

    /// Approximate value as a float (for logarithms and cloud-size estimates).
    pub fn to_f64(self) -> f64 {
        let mut x = 0.0;
        for w in self.0 {
            x = x * 18_446_744_073_709_551_616.0 + w as f64;
        }
        x
    }

    /// log10 of the value (−∞ for zero).
    pub fn log10(self) -> f64 {
        self.to_f64().log10()
    }
}

/// The PNRP ID under which a host registers a peer name: the name's 128-bit
/// P2P ID, then the 128-bit service location (§1.3.1), modelled as the
/// host's /64 address prefix and a 64-bit suffix. Hosts sharing a name (or
/// one host re-registering it) differ only in the location.
pub fn pnrp_id(p2p_id: u128, prefix: u64, suffix: u64) -> U256 {
    U256::from_parts(p2p_id, (u128::from(prefix) << 64) | u128::from(suffix))
}

impl fmt::Debug for U256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:016x}{:016x}{:016x}{:016x}",
            self.0[0], self.0[1], self.0[2], self.0[3]
        )
    }
}

/// log10(2^256): the ring size on a decimal scale.
pub const RING_LOG10: f64 = 77.063_678_889_979_3;

/// Index of a registration in the [`IdTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdIx(pub u32);

/// Index of a host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostIx(pub u32);

/// One registration: a PNRP ID published by a host.
#[derive(Clone, Copy, Debug)]
pub struct Registration {
    pub id: U256,
    pub owner: HostIx,
    /// Cleared when the name is unregistered, the host leaves or its
    /// address changes; stale copies in caches then stop answering.
    pub alive: bool,
}

/// Every PNRP ID ever registered in the run, stored once.
#[derive(Default)]
pub struct IdTable {
    regs: Vec<Registration>,
}

impl IdTable {
    pub fn insert(&mut self, id: U256, owner: HostIx) -> IdIx {
        let ix = IdIx(u32::try_from(self.regs.len()).expect("more than 2^32 registrations"));
        self.regs.push(Registration {
            id,
            owner,
            alive: true,
        });
        ix
    }
    pub fn id(&self, ix: IdIx) -> U256 {
        self.regs[ix.0 as usize].id
    }
    pub fn owner(&self, ix: IdIx) -> HostIx {
        self.regs[ix.0 as usize].owner
    }
    pub fn is_alive(&self, ix: IdIx) -> bool {
        self.regs[ix.0 as usize].alive
    }
    pub fn retire(&mut self, ix: IdIx) {
        self.regs[ix.0 as usize].alive = false;
    }
    pub fn len(&self) -> usize {
        self.regs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.regs.is_empty()
    }
}

/// Orders two IDs by their ring distance to `target`, then by value, so that
/// "closest" is always unique.
pub fn closer(target: U256, a: U256, b: U256) -> Ordering {
    target
        .ring_distance(a)
        .cmp(&target.ring_distance(b))
        .then(a.cmp(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(x: u64) -> U256 {
        U256([0, 0, 0, x])
    }

    #[test]
    fn add_sub_carry_across_words() {
        let a = U256([0, 0, 1, 0]);
        assert_eq!(a.wrapping_sub(u(1)), U256([0, 0, 0, u64::MAX]));
        assert_eq!(U256([0, 0, 0, u64::MAX]).plus_one(), a);
        assert_eq!(U256::MAX.plus_one(), U256::ZERO);
    }

    #[test]
    fn ring_distance_wraps_and_is_symmetric() {
        let near_top = U256::MAX.wrapping_sub(u(4)); // 2^256 − 5
        assert_eq!(near_top.ring_distance(u(5)), u(10));
        assert_eq!(u(5).ring_distance(near_top), u(10));
        assert_eq!(u(3).ring_distance(u(3)), U256::ZERO);
    }

    #[test]
    fn parts_and_midpoint() {
        let x = U256::from_parts(7, 9);
        assert_eq!(x.high(), 7);
        assert_eq!(x.low(), 9);
        assert_eq!(u(10).arc_midpoint(u(20)), u(15));
        // Arc across zero.
        let m = U256::MAX.wrapping_sub(u(9)).arc_midpoint(u(10));
        assert_eq!(m, U256::ZERO);
    }

    #[test]
    fn division_by_small_numbers() {
        assert_eq!(u(100).div_u64(10), u(10));
        let tenth = U256::HALF.div_u64(10);
        assert!((tenth.log10() - (RING_LOG10 - 2f64.log10() - 1.0)).abs() < 1e-9);
    }

    #[test]
    fn log10_of_ring() {
        assert!((U256::MAX.log10() - RING_LOG10).abs() < 1e-9);
    }
}

//! PNRP v4 messages and their sizes on the wire.
//!
//! Sizes are PNRP payload bytes from the field layouts of [MS-PNRP] §2.2
//! (12-byte header, 4-byte aligned TLVs), as tabulated in the model doc.
//! The IPv6/UDP (and Teredo) overhead is added by the network layer.


/// The eight message types of PNRP v4. Revoke floods are FLOODs, but are
/// counted apart because their size differs by a factor of four.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MsgType {
    Solicit,
    Advertise,
    Request,
    Flood,
    FloodRevoke,
    Ack,
    Lookup,
    Authority,
    Inquire,
}

impl MsgType {
    pub const ALL: [MsgType; 9] = [
        MsgType::Solicit,
        MsgType::Advertise,
        MsgType::Request,
        MsgType::Flood,
        MsgType::FloodRevoke,
        MsgType::Ack,
        MsgType::Lookup,
        MsgType::Authority,
        MsgType::Inquire,
    ];
    pub const COUNT: usize = Self::ALL.len();

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            MsgType::Solicit => "SOLICIT",
            MsgType::Advertise => "ADVERTISE",
            MsgType::Request => "REQUEST",
            MsgType::Flood => "FLOOD",
            MsgType::FloodRevoke => "FLOOD_REVOKE",
            MsgType::Ack => "ACK",
            MsgType::Lookup => "LOOKUP",
            MsgType::Authority => "AUTHORITY",
            MsgType::Inquire => "INQUIRE",
        }
    }
}

/// Why a message was sent: the activity whose cost it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// Cache synchronisation when a host joins (SOLICIT … FLOOD).
    Join,
    /// First registration of a name: the ID+1 resolve and its INQUIREs.
    Registration,
    /// Leaf-set flood cascades and flood-backs caused by new IDs.
    Flood,
    /// Periodic re-registration of names (and re-registration after an
    /// address change).
    Refresh,
    /// Application resolves of peer names.
    Resolve,
    /// Cache balancing lookups from the maintenance timer.
    Maintenance,
    /// Split-detection resolves from the maintenance timer.
    SplitDetection,
    /// Revoke floods of names that are unregistered cleanly.
    Unregistration,
}

impl Reason {
    pub const ALL: [Reason; 8] = [
        Reason::Join,
        Reason::Registration,
        Reason::Flood,
        Reason::Refresh,
        Reason::Resolve,
        Reason::Maintenance,
        Reason::SplitDetection,
        Reason::Unregistration,
    ];
    pub const COUNT: usize = Self::ALL.len();

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Reason::Join => "join",
            Reason::Registration => "registration",
            Reason::Flood => "flood",
            Reason::Refresh => "refresh",
            Reason::Resolve => "resolve",
            Reason::Maintenance => "maintenance",
            Reason::SplitDetection => "split_detection",
            Reason::Unregistration => "unregistration",
        }
    }
}

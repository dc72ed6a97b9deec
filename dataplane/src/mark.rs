//! DSCP marking (RFC 4594 defaults, a configurable map): rewrite the DS
//! field of IPv4 (with the header checksum updated incrementally, RFC 1624)
//! or the traffic class of IPv6, leaving the ECN bits as they were.

/// Which packets of a decided flow get marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    #[default]
    Both,
    /// Only the initiator's packets.
    Forward,
    /// Only the responder's packets.
    Backward,
}

impl std::str::FromStr for Direction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "both" => Ok(Direction::Both),
            "forward" => Ok(Direction::Forward),
            "backward" => Ok(Direction::Backward),
            _ => Err(format!("{s:?}: expected both, forward or backward")),
        }
    }
}

/// DSCP names of RFC 2474/2597/3246/5865 and their values.
pub const DSCP_NAMES: [(&str, u8); 22] = [
    ("DF", 0),
    ("CS0", 0),
    ("CS1", 8),
    ("AF11", 10),
    ("AF12", 12),
    ("AF13", 14),
    ("CS2", 16),
    ("AF21", 18),
    ("AF22", 20),
    ("AF23", 22),
    ("CS3", 24),
    ("AF31", 26),
    ("AF32", 28),
    ("AF33", 30),
    ("CS4", 32),
    ("AF41", 34),
    ("AF42", 36),
    ("AF43", 38),
    ("CS5", 40),
    ("VOICE-ADMIT", 44),
    ("EF", 46),
    ("CS6", 48),
];

/// A DSCP by name (AF21, EF, CS1, ...) or number (0..63).
pub fn parse_dscp(s: &str) -> Result<u8, String> {
    let t = s.trim();
    if let Some((_, v)) = DSCP_NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(t)) {
        return Ok(*v);
    }
    match t.parse::<u8>() {
        Ok(v) if v <= 63 => Ok(v),
        _ => Err(format!("{t:?} is not a DSCP: use a name (AF21, EF, CS1, DF, ...) or a number 0..63")),
    }
}

/// The name of a DSCP value, or its number.
pub fn dscp_name(v: u8) -> String {
    DSCP_NAMES.iter().find(|(_, x)| *x == v).map(|(n, _)| n.to_string()).unwrap_or_else(|| v.to_string())
}

/// Set the DSCP of the IP header at `l3` in `frame`. Returns false (and
/// changes nothing) when the header is not there.
#[inline]
pub fn set_dscp(frame: &mut [u8], l3: usize, ipv6: bool, dscp: u8) -> bool {
    if ipv6 {
        let Some(h) = frame.get_mut(l3..l3 + 2) else { return false };
        // Traffic class spans the low nibble of byte 0 and the high nibble of byte 1.
        let tc = ((h[0] & 0x0f) << 4) | (h[1] >> 4);
        let tc = (dscp << 2) | (tc & 0x03);
        h[0] = (h[0] & 0xf0) | (tc >> 4);
        h[1] = (h[1] & 0x0f) | (tc << 4);
        true
    } else {
        let Some(h) = frame.get_mut(l3..l3 + 12) else { return false };
        let old_tos = h[1];
        let new_tos = (dscp << 2) | (old_tos & 0x03);
        if old_tos == new_tos {
            return true;
        }
        // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), over the 16-bit word
        // holding version/IHL and TOS.
        let old_word = u16::from_be_bytes([h[0], old_tos]);
        let new_word = u16::from_be_bytes([h[0], new_tos]);
        let hc = u16::from_be_bytes([h[10], h[11]]);
        let mut sum = (!hc) as u32 + (!old_word) as u32 + new_word as u32;
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        let hc2 = !(sum as u16);
        h[1] = new_tos;
        h[10..12].copy_from_slice(&hc2.to_be_bytes());
        true
    }
}

/// The IPv4 header checksum over `h` (for tests and checks).
pub fn ipv4_checksum_ok(h: &[u8]) -> bool {
    let mut sum = 0u32;
    for w in h.chunks(2) {
        sum += u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)]) as u32;
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum == 0xffff
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ipv4_header(tos: u8, seed: u8) -> Vec<u8> {
        let mut h = vec![0x45, tos, 0, 60, seed, 0x15, 0x40, 0, 64, 6, 0, 0, 10, 77, 0, 1, 10, 77, 0, seed];
        let mut sum = 0u32;
        for w in h.chunks(2) {
            sum += u16::from_be_bytes([w[0], w[1]]) as u32;
        }
        while sum >> 16 != 0 {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        h[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
        h
    }

    proptest! {
        #[test]
        fn ipv4_checksum_stays_valid_and_ecn_is_kept(tos in any::<u8>(), dscp in 0u8..64, seed in any::<u8>()) {
            let mut h = ipv4_header(tos, seed);
            prop_assert!(ipv4_checksum_ok(&h));
            prop_assert!(set_dscp(&mut h, 0, false, dscp));
            prop_assert!(ipv4_checksum_ok(&h));
            prop_assert_eq!(h[1] >> 2, dscp);
            prop_assert_eq!(h[1] & 3, tos & 3);
        }

        #[test]
        fn ipv6_traffic_class_is_set_and_ecn_and_flow_label_kept(b0 in 0u8..16, b1 in any::<u8>(), dscp in 0u8..64) {
            let mut h = vec![0x60 | b0, b1, 0xab, 0xcd];
            prop_assert!(set_dscp(&mut h, 0, true, dscp));
            let tc = ((h[0] & 0x0f) << 4) | (h[1] >> 4);
            prop_assert_eq!(tc >> 2, dscp);
            prop_assert_eq!(tc & 3, ((b0 << 4) | (b1 >> 4)) & 3);
            prop_assert_eq!(h[0] >> 4, 6);
            prop_assert_eq!(h[1] & 0x0f, b1 & 0x0f);
            prop_assert_eq!(&h[2..], &[0xab, 0xcd]);
        }
    }

    #[test]
    fn dscp_names_and_numbers() {
        assert_eq!(parse_dscp("AF31"), Ok(26));
        assert_eq!(parse_dscp("ef"), Ok(46));
        assert_eq!(parse_dscp("10"), Ok(10));
        assert!(parse_dscp("64").is_err());
        assert!(parse_dscp("AF99").unwrap_err().contains("not a DSCP"));
        assert_eq!(dscp_name(18), "AF21");
        assert_eq!(dscp_name(0), "DF");
    }

    #[test]
    fn short_headers_are_left_alone() {
        let mut h = vec![0x45, 0];
        assert!(!set_dscp(&mut h, 0, false, 10));
        assert_eq!(h, vec![0x45, 0]);
    }
}

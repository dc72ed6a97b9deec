//! Zero-copy, allocation-free parsing of the headers flowmark needs:
//! Ethernet, 802.1Q and QinQ, IPv4 (options, fragments), IPv6 (a bounded
//! extension-header chain), TCP (flags and the options MSS, window scale,
//! SACK-permitted, timestamps), UDP, ICMP and ICMPv6.
//!
//! [`parse`] never panics and never reads past the slice: every offset is
//! checked first. A frame it cannot follow gives a [`ParseError`], which the
//! dataplane counts by reason and forwards unchanged (fail open).

/// Why a frame was not parsed to its transport header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ParseError {
    /// Shorter than an Ethernet header or a VLAN tag.
    TruncatedEthernet,
    /// Not IPv4 or IPv6 (ARP, LLDP, ...): forwarded, not an error of the sender.
    NonIp,
    TruncatedIp,
    /// The IP version nibble disagrees with the EtherType.
    BadIpVersion,
    /// IPv4 IHL below 5.
    BadIhl,
    /// IP total/payload length below the header, or beyond the frame.
    BadIpLength,
    /// More IPv6 extension headers than flowmark follows, or one that overruns.
    ExtHeaderChain,
    TruncatedTransport,
    /// TCP data offset below 5 or beyond the segment.
    BadTcpOffset,
    /// UDP length below 8 or beyond the datagram.
    BadUdpLength,
}

impl ParseError {
    pub const ALL: [ParseError; 10] = [
        ParseError::TruncatedEthernet,
        ParseError::NonIp,
        ParseError::TruncatedIp,
        ParseError::BadIpVersion,
        ParseError::BadIhl,
        ParseError::BadIpLength,
        ParseError::ExtHeaderChain,
        ParseError::TruncatedTransport,
        ParseError::BadTcpOffset,
        ParseError::BadUdpLength,
    ];

    /// The name used in counters and summaries.
    pub fn name(self) -> &'static str {
        match self {
            ParseError::TruncatedEthernet => "truncated_ethernet",
            ParseError::NonIp => "non_ip",
            ParseError::TruncatedIp => "truncated_ip",
            ParseError::BadIpVersion => "bad_ip_version",
            ParseError::BadIhl => "bad_ihl",
            ParseError::BadIpLength => "bad_ip_length",
            ParseError::ExtHeaderChain => "ipv6_ext_header_chain",
            ParseError::TruncatedTransport => "truncated_transport",
            ParseError::BadTcpOffset => "bad_tcp_data_offset",
            ParseError::BadUdpLength => "bad_udp_length",
        }
    }
}

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
pub const ETHERTYPE_VLAN: u16 = 0x8100;
pub const ETHERTYPE_QINQ: u16 = 0x88a8;
pub const ETHERTYPE_QINQ_OLD: u16 = 0x9100;

pub const PROTO_ICMP: u8 = 1;
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;
pub const PROTO_ICMPV6: u8 = 58;

/// Most VLAN tags followed before giving up (QinQ is two).
const MAX_VLAN_TAGS: usize = 2;
/// Most IPv6 extension headers followed.
const MAX_EXT_HEADERS: usize = 8;

pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
}

/// Where a packet sits in a fragmented datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fragment {
    #[default]
    None,
    /// Offset 0 with more fragments: carries the transport header.
    First,
    /// A later fragment: no transport header.
    Later,
}

/// TCP header fields and options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tcp {
    pub flags: u8,
    pub seq: u32,
    pub ack: u32,
    pub window: u16,
    pub mss: Option<u16>,
    pub wscale: Option<u8>,
    pub sack_permitted: bool,
    pub timestamps: bool,
}

/// What [`parse`] found. Addresses are 16 bytes; IPv4 uses the first 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Parsed {
    /// Outer VLAN id (0 when untagged).
    pub vlan: u16,
    /// Offset of the IP header in the frame (for marking).
    pub l3_offset: u16,
    pub ipv6: bool,
    pub src: [u8; 16],
    pub dst: [u8; 16],
    pub ttl: u8,
    /// IPv4 DSCP+ECN byte or IPv6 traffic class.
    pub tos: u8,
    pub proto: u8,
    pub fragment: Fragment,
    pub src_port: u16,
    pub dst_port: u16,
    pub tcp: Option<Tcp>,
    /// Offset and length of the transport payload inside the frame. The
    /// length follows the IP length fields, so Ethernet padding is excluded;
    /// it may reach past the captured bytes on a truncated capture.
    pub payload_offset: u16,
    pub payload_len: u16,
    /// Of the payload, how many bytes are in the frame.
    pub payload_captured: u16,
}

impl Parsed {
    /// The transport payload present in `frame`.
    #[inline]
    pub fn payload<'a>(&self, frame: &'a [u8]) -> &'a [u8] {
        let start = self.payload_offset as usize;
        let end = start + self.payload_captured as usize;
        frame.get(start..end).unwrap_or(&[])
    }
}

#[inline]
fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

#[inline]
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([*b.get(at)?, *b.get(at + 1)?, *b.get(at + 2)?, *b.get(at + 3)?]))
}

/// Parse an Ethernet frame down to its transport header.
pub fn parse(frame: &[u8]) -> Result<Parsed, ParseError> {
    let mut p = Parsed::default();
    let mut ethertype = be16(frame, 12).ok_or(ParseError::TruncatedEthernet)?;
    let mut off = 14usize;
    let mut tags = 0;
    while matches!(ethertype, ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD) {
        if tags == MAX_VLAN_TAGS {
            return Err(ParseError::NonIp);
        }
        let tci = be16(frame, off).ok_or(ParseError::TruncatedEthernet)?;
        if tags == 0 {
            p.vlan = tci & 0x0fff;
        }
        ethertype = be16(frame, off + 2).ok_or(ParseError::TruncatedEthernet)?;
        off += 4;
        tags += 1;
    }
    p.l3_offset = off as u16;
    let l4_end = match ethertype {
        ETHERTYPE_IPV4 => parse_ipv4(frame, off, &mut p)?,
        ETHERTYPE_IPV6 => parse_ipv6(frame, off, &mut p)?,
        _ => return Err(ParseError::NonIp),
    };
    let Some((l4, end)) = l4_end else {
        return Ok(p); // a later fragment, or nothing past IP
    };
    parse_transport(frame, l4, end, &mut p)?;
    Ok(p)
}

/// Returns the transport header's offset and the end of the IP datagram,
/// or None for a later fragment.
fn parse_ipv4(b: &[u8], off: usize, p: &mut Parsed) -> Result<Option<(usize, usize)>, ParseError> {
    let vihl = *b.get(off).ok_or(ParseError::TruncatedIp)?;
    if b.len() < off + 20 {
        return Err(ParseError::TruncatedIp);
    }
    if vihl >> 4 != 4 {
        return Err(ParseError::BadIpVersion);
    }
    let ihl = (vihl & 0x0f) as usize * 4;
    if ihl < 20 {
        return Err(ParseError::BadIhl);
    }
    if b.len() < off + ihl {
        return Err(ParseError::TruncatedIp);
    }
    let total = be16(b, off + 2).ok_or(ParseError::TruncatedIp)? as usize;
    if total < ihl {
        return Err(ParseError::BadIpLength);
    }
    p.tos = b[off + 1];
    let frag = be16(b, off + 6).ok_or(ParseError::TruncatedIp)?;
    p.ttl = b[off + 8];
    p.proto = b[off + 9];
    p.src[..4].copy_from_slice(&b[off + 12..off + 16]);
    p.dst[..4].copy_from_slice(&b[off + 16..off + 20]);
    let more = frag & 0x2000 != 0;
    let foff = frag & 0x1fff;
    p.fragment = match (foff, more) {
        (0, false) => Fragment::None,
        (0, true) => Fragment::First,
        _ => Fragment::Later,
    };
    let end = off + total;
    if p.fragment == Fragment::Later {
        return Ok(None);
    }
    Ok(Some((off + ihl, end)))
}

fn parse_ipv6(b: &[u8], off: usize, p: &mut Parsed) -> Result<Option<(usize, usize)>, ParseError> {
    if b.len() < off + 40 {
        return Err(ParseError::TruncatedIp);
    }
    if b[off] >> 4 != 6 {
        return Err(ParseError::BadIpVersion);
    }
    p.ipv6 = true;
    p.tos = ((b[off] & 0x0f) << 4) | (b[off + 1] >> 4);
    let plen = be16(b, off + 4).ok_or(ParseError::TruncatedIp)? as usize;
    let mut next = b[off + 6];
    p.ttl = b[off + 7];
    p.src.copy_from_slice(&b[off + 8..off + 24]);
    p.dst.copy_from_slice(&b[off + 24..off + 40]);
    let end = off + 40 + plen;
    let mut h = off + 40;
    for _ in 0..=MAX_EXT_HEADERS {
        match next {
            // Hop-by-hop, routing, destination options, mobility, HIP, shim6.
            0 | 43 | 60 | 135 | 139 | 140 => {
                let nh = *b.get(h).ok_or(ParseError::ExtHeaderChain)?;
                let len = (*b.get(h + 1).ok_or(ParseError::ExtHeaderChain)? as usize + 1) * 8;
                next = nh;
                h += len;
            }
            // Fragment header: fixed 8 bytes.
            44 => {
                let nh = *b.get(h).ok_or(ParseError::ExtHeaderChain)?;
                let fo = be16(b, h + 2).ok_or(ParseError::ExtHeaderChain)?;
                let offset = fo >> 3;
                let more = fo & 1 != 0;
                p.fragment = match (offset, more) {
                    (0, false) => Fragment::None,
                    (0, true) => Fragment::First,
                    _ => Fragment::Later,
                };
                next = nh;
                h += 8;
                if p.fragment == Fragment::Later {
                    p.proto = next;
                    return Ok(None);
                }
            }
            // Authentication header: length in 4-byte units, minus 2.
            51 => {
                let nh = *b.get(h).ok_or(ParseError::ExtHeaderChain)?;
                let len = (*b.get(h + 1).ok_or(ParseError::ExtHeaderChain)? as usize + 2) * 4;
                next = nh;
                h += len;
            }
            _ => {
                if h > end && plen != 0 {
                    return Err(ParseError::ExtHeaderChain);
                }
                p.proto = next;
                // A jumbogram (payload length 0) is bounded by the frame.
                let end = if plen == 0 { b.len().max(h) } else { end };
                return Ok(Some((h, end)));
            }
        }
    }
    Err(ParseError::ExtHeaderChain)
}

fn parse_transport(b: &[u8], l4: usize, ip_end: usize, p: &mut Parsed) -> Result<(), ParseError> {
    // The datagram as the IP header describes it; the capture may hold less.
    match p.proto {
        PROTO_TCP => {
            if b.len() < l4 + 20 {
                return Err(ParseError::TruncatedTransport);
            }
            let doff = (b[l4 + 12] >> 4) as usize * 4;
            if doff < 20 || l4 + doff > ip_end {
                return Err(ParseError::BadTcpOffset);
            }
            if b.len() < l4 + doff {
                return Err(ParseError::TruncatedTransport);
            }
            p.src_port = be16(b, l4).unwrap_or(0);
            p.dst_port = be16(b, l4 + 2).unwrap_or(0);
            let mut t = Tcp {
                flags: b[l4 + 13],
                seq: be32(b, l4 + 4).unwrap_or(0),
                ack: be32(b, l4 + 8).unwrap_or(0),
                window: be16(b, l4 + 14).unwrap_or(0),
                ..Tcp::default()
            };
            parse_tcp_options(&b[l4 + 20..l4 + doff], &mut t);
            p.tcp = Some(t);
            set_payload(p, b, l4 + doff, ip_end);
        }
        PROTO_UDP => {
            if b.len() < l4 + 8 {
                return Err(ParseError::TruncatedTransport);
            }
            p.src_port = be16(b, l4).unwrap_or(0);
            p.dst_port = be16(b, l4 + 2).unwrap_or(0);
            let ulen = be16(b, l4 + 4).unwrap_or(0) as usize;
            // Length 0 is legal only for IPv6 jumbograms; a first fragment's
            // UDP length covers the whole reassembled datagram.
            if p.fragment == Fragment::None && (ulen < 8 || l4 + ulen > ip_end) {
                return Err(ParseError::BadUdpLength);
            }
            let end = if p.fragment == Fragment::None { l4 + ulen } else { ip_end };
            set_payload(p, b, l4 + 8, end);
        }
        PROTO_ICMP | PROTO_ICMPV6 => {
            if b.len() < l4 + 4 {
                return Err(ParseError::TruncatedTransport);
            }
            // Type and code stand in for ports so ICMP flows stay apart.
            p.src_port = b[l4] as u16;
            p.dst_port = b[l4 + 1] as u16;
            set_payload(p, b, l4 + 4, ip_end);
        }
        _ => set_payload(p, b, l4, ip_end),
    }
    Ok(())
}

fn set_payload(p: &mut Parsed, b: &[u8], start: usize, end: usize) {
    let len = end.saturating_sub(start);
    let captured = b.len().saturating_sub(start).min(len);
    p.payload_offset = start.min(u16::MAX as usize) as u16;
    p.payload_len = len.min(u16::MAX as usize) as u16;
    p.payload_captured = captured.min(u16::MAX as usize) as u16;
}

fn parse_tcp_options(mut o: &[u8], t: &mut Tcp) {
    // At most 40 bytes; each step consumes at least one.
    while let Some(&kind) = o.first() {
        match kind {
            0 => break,
            1 => o = &o[1..],
            _ => {
                let Some(&len) = o.get(1) else { break };
                let len = len as usize;
                if len < 2 || len > o.len() {
                    break;
                }
                match (kind, len) {
                    (2, 4) => t.mss = Some(u16::from_be_bytes([o[2], o[3]])),
                    (3, 3) => t.wscale = Some(o[2]),
                    (4, 2) => t.sack_permitted = true,
                    (8, 10) => t.timestamps = true,
                    _ => {}
                }
                o = &o[len..];
            }
        }
    }
}

/// A symmetric hash of a packet's flow: both directions give the same value.
/// Used to split captures across queues the way symmetric RSS would.
pub fn symmetric_flow_hash(p: &Parsed) -> u64 {
    let (a, b) = ((p.src, p.src_port), (p.dst, p.dst_port));
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    // FNV-1a over the ordered tuple: stable across runs and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |x: u8| {
        h ^= x as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    };
    lo.0.iter().chain(hi.0.iter()).for_each(|&x| eat(x));
    lo.1.to_be_bytes().iter().chain(hi.1.to_be_bytes().iter()).for_each(|&x| eat(x));
    eat(p.proto);
    p.vlan.to_be_bytes().iter().for_each(|&x| eat(x));
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frame 5 of data/demo/demo.pcap: a Linux curl's TCP SYN to port 443
    /// with MSS, SACK-permitted, timestamps and window scale options.
    const SYN: [u8; 74] = [
        0x5e, 0x2d, 0xfe, 0xae, 0x2e, 0x34, 0x4a, 0x55, 0x96, 0xa4, 0x29, 0x8b, 0x08, 0x00, 0x45, 0x00, 0x00, 0x3c,
        0x06, 0x15, 0x40, 0x00, 0x40, 0x06, 0x20, 0x0b, 0x0a, 0x4d, 0x00, 0x01, 0x0a, 0x4d, 0x00, 0x02, 0x96, 0xe0,
        0x01, 0xbb, 0x5e, 0xcf, 0xe4, 0xcb, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x31, 0xa9, 0x00, 0x00,
        0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0xfc, 0x56, 0x2e, 0x39, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
        0x03, 0x0a,
    ];

    #[test]
    fn tcp_syn_fields_and_options() {
        let p = parse(&SYN).unwrap();
        assert_eq!(p.proto, PROTO_TCP);
        assert_eq!(&p.src[..4], &[10, 77, 0, 1]);
        assert_eq!((p.src_port, p.dst_port), (38624, 443));
        let t = p.tcp.unwrap();
        assert_eq!(t.flags, tcp_flags::SYN);
        assert_eq!((t.mss, t.wscale, t.sack_permitted, t.timestamps), (Some(1460), Some(10), true, true));
        assert_eq!(t.window, 64240);
        assert_eq!(p.payload_len, 0);
        assert_eq!(p.ttl, 64);
    }

    #[test]
    fn every_prefix_of_a_frame_parses_or_errs_without_panic() {
        for n in 0..SYN.len() {
            let _ = parse(&SYN[..n]);
        }
        assert_eq!(parse(&SYN[..10]), Err(ParseError::TruncatedEthernet));
        assert_eq!(parse(&SYN[..30]), Err(ParseError::TruncatedIp));
        assert_eq!(parse(&SYN[..40]), Err(ParseError::TruncatedTransport));
    }

    #[test]
    fn bad_ihl_and_data_offset_are_named() {
        let mut f = SYN;
        f[14] = 0x44;
        assert_eq!(parse(&f), Err(ParseError::BadIhl));
        let mut f = SYN;
        f[14 + 20 + 12] = 0x40;
        assert_eq!(parse(&f), Err(ParseError::BadTcpOffset));
        let mut f = SYN;
        f[14] = 0x65;
        assert_eq!(parse(&f), Err(ParseError::BadIpVersion));
    }

    #[test]
    fn vlan_and_qinq_tags_are_followed() {
        let mut f = Vec::from(&SYN[..12]);
        f.extend_from_slice(&[0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a]);
        f.extend_from_slice(&SYN[12..]);
        let p = parse(&f).unwrap();
        assert_eq!(p.vlan, 100);
        assert_eq!(p.l3_offset, 22);
        assert_eq!(p.dst_port, 443);
    }

    #[test]
    fn ipv4_later_fragment_has_no_ports() {
        let mut f = SYN;
        f[20] = 0x00;
        f[21] = 0x10; // offset 16*8
        let p = parse(&f).unwrap();
        assert_eq!(p.fragment, Fragment::Later);
        assert_eq!((p.src_port, p.dst_port), (0, 0));
    }

    fn ipv6_udp(ext: &[u8], first_next: u8) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
        let plen = (ext.len() + 8 + 4) as u16;
        f.extend_from_slice(&[0x60, 0, 0, 0]);
        f.extend_from_slice(&plen.to_be_bytes());
        f.push(first_next);
        f.push(64);
        f.extend_from_slice(&[0xfd; 16]);
        f.extend_from_slice(&[0xfe; 16]);
        f.extend_from_slice(ext);
        f.extend_from_slice(&[0x13, 0x88, 0x00, 0x35, 0x00, 0x0c, 0, 0, 1, 2, 3, 4]);
        f
    }

    #[test]
    fn ipv6_extension_chain_is_followed_and_bounded() {
        let p = parse(&ipv6_udp(&[17, 0, 0, 0, 0, 0, 0, 0], 0)).unwrap();
        assert_eq!((p.proto, p.src_port, p.dst_port, p.payload_len), (PROTO_UDP, 5000, 53, 4));
        // Nine hop-by-hop headers, each pointing at the next: refused.
        let mut ext = Vec::new();
        for _ in 0..9 {
            ext.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
        }
        assert_eq!(parse(&ipv6_udp(&ext, 0)), Err(ParseError::ExtHeaderChain));
        // A header whose length runs off the frame.
        assert!(parse(&ipv6_udp(&[17, 255, 0, 0, 0, 0, 0, 0], 0)).is_err());
    }

    #[test]
    fn zero_length_udp_is_refused() {
        let mut f = ipv6_udp(&[], PROTO_UDP);
        f[54 + 4] = 0;
        f[54 + 5] = 0;
        assert_eq!(parse(&f), Err(ParseError::BadUdpLength));
    }

    #[test]
    fn ethernet_padding_is_not_payload() {
        let mut f = Vec::from(SYN);
        f.extend_from_slice(&[0u8; 6]);
        assert_eq!(parse(&f).unwrap().payload_len, 0);
    }

    #[test]
    fn flow_hash_is_symmetric() {
        let a = parse(&SYN).unwrap();
        let mut b = a;
        std::mem::swap(&mut b.src, &mut b.dst);
        std::mem::swap(&mut b.src_port, &mut b.dst_port);
        assert_eq!(symmetric_flow_hash(&a), symmetric_flow_hash(&b));
        b.dst_port = 1;
        assert_ne!(symmetric_flow_hash(&a), symmetric_flow_hash(&b));
    }
}

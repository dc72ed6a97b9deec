//! Zero-copy DNS message parsing for flow features (RFC 1035).
//!
//! [`parse`] reads the header, the first question and walks the answer
//! section (bounded) without allocating. Names are decompressed into an
//! inline buffer; compression pointers must point strictly backwards (RFC 1035
//! 4.1.4 "a prior occurrence") and at most [`MAX_JUMPS`] are followed, so a
//! pointer loop is an error, never a hang.

/// Most compression pointers followed while reading one name.
pub const MAX_JUMPS: usize = 16;
/// Most answer records walked for the answer summary.
pub const MAX_ANSWERS: usize = 64;
/// A name on the wire is at most 255 bytes (RFC 1035 2.3.4).
pub const MAX_NAME: usize = 255;

const HEADER_LEN: usize = 12;
const TYPE_A: u16 = 1;
const TYPE_CNAME: u16 = 5;
const TYPE_AAAA: u16 = 28;

/// Why a message could not be summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsError {
    /// Shorter than its header, or a field runs past the end.
    Truncated,
    /// A label length byte with the reserved 0b01/0b10 prefix.
    BadLabelType,
    /// A name longer than 255 bytes on the wire.
    NameTooLong,
    /// A compression pointer that does not point strictly backwards.
    BadPointer,
    /// More than [`MAX_JUMPS`] compression pointers in one name.
    TooManyPointers,
}

impl core::fmt::Display for DnsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            DnsError::Truncated => "DNS message truncated",
            DnsError::BadLabelType => "DNS label with reserved type bits",
            DnsError::NameTooLong => "DNS name longer than 255 bytes",
            DnsError::BadPointer => "DNS compression pointer not pointing backwards",
            DnsError::TooManyPointers => "DNS name with too many compression pointers",
        })
    }
}

impl std::error::Error for DnsError {}

/// What a DNS message says, for features. `Copy`, no heap.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DnsSummary {
    /// Transaction id.
    pub id: u16,
    /// QR bit.
    pub is_response: bool,
    /// OPCODE (0 = query).
    pub opcode: u8,
    /// RCODE (0 = no error, 3 = NXDOMAIN).
    pub rcode: u8,
    /// TC bit: the answer did not fit (UDP).
    pub truncated: bool,
    /// QDCOUNT from the header.
    pub question_count: u16,
    /// ANCOUNT from the header.
    pub answer_count: u16,
    /// Type of the first question (0 when there is none).
    pub qtype: u16,
    /// Class of the first question.
    pub qclass: u16,
    qname: [u8; MAX_NAME],
    qname_len: u8,
    /// Answer records walked (at most [`MAX_ANSWERS`]).
    pub answers_parsed: u16,
    /// The walk stopped early at a malformed answer record.
    pub answers_malformed: bool,
    /// CNAME records among the answers walked.
    pub cname_count: u16,
    /// A and AAAA records among the answers walked.
    pub address_count: u16,
    /// Smallest TTL among the answers walked (0 when none).
    pub min_ttl: u32,
}

impl DnsSummary {
    /// The first question's name, lowercase, labels joined by `.`, no
    /// trailing dot (the root is empty).
    pub fn qname(&self) -> &[u8] {
        self.qname.get(..usize::from(self.qname_len)).unwrap_or(&[])
    }
    /// The name as text, when it is UTF-8.
    pub fn qname_str(&self) -> Option<&str> {
        core::str::from_utf8(self.qname()).ok()
    }
}

impl core::fmt::Debug for DnsSummary {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DnsSummary")
            .field("id", &self.id)
            .field("is_response", &self.is_response)
            .field("opcode", &self.opcode)
            .field("rcode", &self.rcode)
            .field("question_count", &self.question_count)
            .field("answer_count", &self.answer_count)
            .field("qname", &String::from_utf8_lossy(self.qname()))
            .field("qtype", &self.qtype)
            .field("answers_parsed", &self.answers_parsed)
            .field("answers_malformed", &self.answers_malformed)
            .field("cname_count", &self.cname_count)
            .field("address_count", &self.address_count)
            .field("min_ttl", &self.min_ttl)
            .finish()
    }
}

fn be16(msg: &[u8], at: usize) -> Result<u16, DnsError> {
    match msg.get(at..at + 2) {
        Some(&[a, b]) => Ok(u16::from_be_bytes([a, b])),
        _ => Err(DnsError::Truncated),
    }
}

fn be32(msg: &[u8], at: usize) -> Result<u32, DnsError> {
    match msg.get(at..at + 4) {
        Some(&[a, b, c, d]) => Ok(u32::from_be_bytes([a, b, c, d])),
        _ => Err(DnsError::Truncated),
    }
}

/// Reads the name at `start`; decodes it into `out` when given. Returns the
/// offset just past the name in place (after its first pointer or its root
/// label) and the decoded length.
fn read_name(msg: &[u8], start: usize, mut out: Option<&mut [u8; MAX_NAME]>) -> Result<(usize, usize), DnsError> {
    let mut pos = start;
    let mut end_in_place: Option<usize> = None;
    let mut jumps = 0usize;
    let mut wire_len = 0usize;
    let mut text_len = 0usize;
    loop {
        let len_byte = *msg.get(pos).ok_or(DnsError::Truncated)?;
        match len_byte & 0xc0 {
            0x00 => {
                let len = usize::from(len_byte);
                wire_len += len + 1;
                if wire_len > MAX_NAME {
                    return Err(DnsError::NameTooLong);
                }
                if len == 0 {
                    let end = end_in_place.unwrap_or(pos + 1);
                    return Ok((end, text_len));
                }
                let label = msg.get(pos + 1..pos + 1 + len).ok_or(DnsError::Truncated)?;
                if let Some(buf) = out.as_deref_mut() {
                    if text_len > 0 {
                        if let Some(slot) = buf.get_mut(text_len) {
                            *slot = b'.';
                        }
                        text_len += 1;
                    }
                    for &b in label {
                        if let Some(slot) = buf.get_mut(text_len) {
                            *slot = b.to_ascii_lowercase();
                        }
                        text_len += 1;
                    }
                }
                pos += 1 + len;
            }
            0xc0 => {
                let low = *msg.get(pos + 1).ok_or(DnsError::Truncated)?;
                let target = usize::from(len_byte & 0x3f) << 8 | usize::from(low);
                if target >= pos {
                    return Err(DnsError::BadPointer);
                }
                jumps += 1;
                if jumps > MAX_JUMPS {
                    return Err(DnsError::TooManyPointers);
                }
                if end_in_place.is_none() {
                    end_in_place = Some(pos + 2);
                }
                pos = target;
            }
            _ => return Err(DnsError::BadLabelType),
        }
    }
}

/// Summarise one DNS message (the UDP payload, or a TCP message without its
/// 2-byte length prefix).
pub fn parse(msg: &[u8]) -> Result<DnsSummary, DnsError> {
    if msg.len() < HEADER_LEN {
        return Err(DnsError::Truncated);
    }
    let flags = be16(msg, 2)?;
    let mut s = DnsSummary {
        id: be16(msg, 0)?,
        is_response: flags & 0x8000 != 0,
        opcode: ((flags >> 11) & 0xf) as u8,
        rcode: (flags & 0xf) as u8,
        truncated: flags & 0x0200 != 0,
        question_count: be16(msg, 4)?,
        answer_count: be16(msg, 6)?,
        qtype: 0,
        qclass: 0,
        qname: [0; MAX_NAME],
        qname_len: 0,
        answers_parsed: 0,
        answers_malformed: false,
        cname_count: 0,
        address_count: 0,
        min_ttl: 0,
    };
    let mut pos = HEADER_LEN;
    for q in 0..s.question_count {
        let (end, len) = if q == 0 { read_name(msg, pos, Some(&mut s.qname))? } else { read_name(msg, pos, None)? };
        if q == 0 {
            // 255 wire bytes decode to at most 253 text bytes.
            s.qname_len = u8::try_from(len.min(MAX_NAME)).unwrap_or(u8::MAX);
            s.qtype = be16(msg, end)?;
            s.qclass = be16(msg, end + 2)?;
        } else {
            be16(msg, end + 2)?;
        }
        pos = end + 4;
    }
    let mut min_ttl: Option<u32> = None;
    for _ in 0..usize::from(s.answer_count).min(MAX_ANSWERS) {
        match answer(msg, pos) {
            Ok((next, rtype, ttl)) => {
                pos = next;
                s.answers_parsed += 1;
                match rtype {
                    TYPE_CNAME => s.cname_count += 1,
                    TYPE_A | TYPE_AAAA => s.address_count += 1,
                    _ => {}
                }
                min_ttl = Some(min_ttl.map_or(ttl, |m| m.min(ttl)));
            }
            Err(_) => {
                s.answers_malformed = true;
                break;
            }
        }
    }
    s.min_ttl = min_ttl.unwrap_or(0);
    Ok(s)
}

/// Names kept from one answer's CNAME chain (the question name first).
pub const MAX_CHAIN: usize = 8;
/// Addresses kept from one answer.
pub const MAX_ADDRESSES: usize = 16;

/// A decoded name, inline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Name {
    buf: [u8; MAX_NAME],
    len: u8,
}

impl Name {
    const EMPTY: Name = Name { buf: [0; MAX_NAME], len: 0 };

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }
}

impl core::fmt::Debug for Name {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

/// An address an answer gave for the question name, with its TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address {
    /// 4 bytes (A) or 16 (AAAA) in `bytes`.
    pub ipv6: bool,
    pub bytes: [u8; 16],
    pub ttl: u32,
}

/// What a response says the question name resolves to: the names of its
/// CNAME chain, in order (the question name first, the canonical name
/// last), and the addresses of any name on that chain. Records about
/// names off the chain (additional glue, unrelated answers) are ignored.
#[derive(Debug, Clone, Copy)]
pub struct Resolution {
    chain: [Name; MAX_CHAIN],
    chain_len: u8,
    addresses: [Address; MAX_ADDRESSES],
    address_len: u8,
    /// The chain was longer than [`MAX_CHAIN`] names, or there were more
    /// than [`MAX_ADDRESSES`] addresses; the rest were dropped.
    pub clipped: bool,
}

impl Resolution {
    /// The question name, then each CNAME target.
    pub fn chain(&self) -> impl Iterator<Item = &[u8]> {
        self.chain[..self.chain_len as usize].iter().map(Name::as_bytes)
    }

    pub fn addresses(&self) -> &[Address] {
        &self.addresses[..self.address_len as usize]
    }

    fn on_chain(&self, name: &[u8]) -> bool {
        self.chain().any(|c| c == name)
    }
}

/// Follow a response's answers from its question name through CNAMEs to
/// addresses. `Ok` with no addresses for a query, an NXDOMAIN, or an
/// answer of other types; `Err` when the message itself is malformed.
pub fn resolve(msg: &[u8]) -> Result<Resolution, DnsError> {
    resolve_parsed(msg, &parse(msg)?)
}

/// [`resolve`] for a message already summarised by [`parse`] (`s` must be
/// `parse(msg)`), so the dataplane reads each response once.
pub fn resolve_parsed(msg: &[u8], s: &DnsSummary) -> Result<Resolution, DnsError> {
    let mut r = Resolution {
        chain: [Name::EMPTY; MAX_CHAIN],
        chain_len: 0,
        addresses: [Address { ipv6: false, bytes: [0; 16], ttl: 0 }; MAX_ADDRESSES],
        address_len: 0,
        clipped: false,
    };
    if !s.is_response || s.rcode != 0 || s.question_count != 1 || s.qname().is_empty() {
        return Ok(r);
    }
    r.chain[0].buf[..s.qname().len()].copy_from_slice(s.qname());
    r.chain[0].len = s.qname_len;
    r.chain_len = 1;
    // Skip the question again to find the answers.
    let (q_end, _) = read_name(msg, HEADER_LEN, None)?;
    let mut pos = q_end + 4;
    let mut owner = [0u8; MAX_NAME];
    for _ in 0..usize::from(s.answer_count).min(MAX_ANSWERS) {
        let Ok((next, rtype, ttl)) = answer(msg, pos) else { break };
        let (end, owner_len) = read_name(msg, pos, Some(&mut owner))?;
        let owner = &owner[..owner_len.min(MAX_NAME)];
        let rdata = &msg[end + 10..next];
        if r.on_chain(owner) {
            match rtype {
                TYPE_CNAME => {
                    let mut target = Name::EMPTY;
                    let (_, len) = read_name(msg, end + 10, Some(&mut target.buf))?;
                    target.len = len.min(MAX_NAME) as u8;
                    if !r.on_chain(target.as_bytes()) {
                        if (r.chain_len as usize) < MAX_CHAIN {
                            r.chain[r.chain_len as usize] = target;
                            r.chain_len += 1;
                        } else {
                            r.clipped = true;
                        }
                    }
                }
                TYPE_A | TYPE_AAAA if rdata.len() == if rtype == TYPE_A { 4 } else { 16 } => {
                    if (r.address_len as usize) < MAX_ADDRESSES {
                        let a = &mut r.addresses[r.address_len as usize];
                        a.ipv6 = rtype == TYPE_AAAA;
                        a.bytes[..rdata.len()].copy_from_slice(rdata);
                        a.ttl = ttl;
                        r.address_len += 1;
                    } else {
                        r.clipped = true;
                    }
                }
                _ => {}
            }
        }
        pos = next;
    }
    Ok(r)
}

/// One resource record at `pos`: (offset after it, type, ttl).
fn answer(msg: &[u8], pos: usize) -> Result<(usize, u16, u32), DnsError> {
    let (end, _) = read_name(msg, pos, None)?;
    let rtype = be16(msg, end)?;
    let ttl = be32(msg, end + 4)?;
    let rdlen = usize::from(be16(msg, end + 8)?);
    let next = end + 10 + rdlen;
    if next > msg.len() {
        return Err(DnsError::Truncated);
    }
    if rtype == TYPE_CNAME {
        // The target must itself be a well-formed name inside its rdata.
        let (cname_end, _) = read_name(msg, end + 10, None)?;
        if cname_end > next {
            return Err(DnsError::Truncated);
        }
    }
    Ok((next, rtype, ttl))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real messages cut from captures by scripts/extract-dns-vectors.sh
    // (provenance in dataplane/tests/data/dns/README.md).
    const QUERY: &[u8] = include_bytes!("../tests/data/dns/query_a_clients2_google.bin");
    const RESP_CNAME: &[u8] = include_bytes!("../tests/data/dns/resp_cname_clients2_google.bin");
    const QUERY_WU: &[u8] = include_bytes!("../tests/data/dns/query_a_windowsupdate.bin");
    const RESP_CHAIN: &[u8] = include_bytes!("../tests/data/dns/resp_cname_chain_windowsupdate.bin");
    const RESP_EDNS: &[u8] = include_bytes!("../tests/data/dns/resp_edns_suricata_io.bin");
    const RESP_TXT: &[u8] = include_bytes!("../tests/data/dns/resp_txt_tunnel.bin");
    const TCP_RESP: &[u8] = include_bytes!("../tests/data/dns/tcp_resp_www_google.bin");
    const ALL: &[&[u8]] = &[QUERY, RESP_CNAME, QUERY_WU, RESP_CHAIN, RESP_EDNS, RESP_TXT];

    #[test]
    fn real_query() {
        let s = parse(QUERY).expect("query");
        assert!(!s.is_response);
        assert_eq!((s.opcode, s.rcode), (0, 0));
        assert_eq!((s.question_count, s.answer_count), (1, 0));
        assert_eq!(s.qname_str(), Some("clients2.google.com"));
        assert_eq!((s.qtype, s.qclass), (1, 1));
    }

    #[test]
    fn real_response_with_cname() {
        let s = parse(RESP_CNAME).expect("response");
        assert!(s.is_response);
        assert_eq!(s.qname_str(), Some("clients2.google.com"));
        assert_eq!((s.answer_count, s.answers_parsed), (2, 2));
        assert_eq!((s.cname_count, s.address_count), (1, 1));
        assert!(!s.answers_malformed);
    }

    #[test]
    fn real_cname_chain() {
        // ctldl.windowsupdate.com: six CNAMEs, then an A record, all
        // compressed against earlier names.
        let s = parse(RESP_CHAIN).expect("chain");
        assert_eq!(s.qname_str(), Some("ctldl.windowsupdate.com"));
        assert_eq!((s.answer_count, s.answers_parsed), (7, 7));
        assert_eq!((s.cname_count, s.address_count), (6, 1));
        assert!(s.min_ttl > 0);
        assert_eq!(parse(QUERY_WU).expect("q").qname_str(), Some("ctldl.windowsupdate.com"));
    }

    #[test]
    fn resolutions_follow_cname_chains_to_addresses() {
        let r = resolve(RESP_CHAIN).expect("chain");
        let chain: Vec<String> = r.chain().map(|n| String::from_utf8_lossy(n).into_owned()).collect();
        assert_eq!(chain.len(), 7, "{chain:?}");
        assert_eq!(chain[0], "ctldl.windowsupdate.com");
        assert_eq!(r.addresses().len(), 1);
        assert!(!r.addresses()[0].ipv6 && r.addresses()[0].ttl > 0);
        let g = resolve(RESP_CNAME).expect("cname");
        assert_eq!(g.chain().count(), 2);
        assert_eq!(g.addresses().len(), 1);
        let t = resolve(&TCP_RESP[2..]).expect("tcp");
        assert_eq!(t.chain().collect::<Vec<_>>(), vec![&b"www.google.com"[..]]);
        assert_eq!(t.addresses().len(), 12);
        // Queries and TXT answers name no address.
        assert_eq!(resolve(QUERY).expect("q").addresses().len(), 0);
        assert_eq!(resolve(RESP_TXT).expect("txt").addresses().len(), 0);
    }

    #[test]
    fn records_off_the_chain_are_ignored() {
        fn name(n: &str) -> Vec<u8> {
            let mut v = Vec::new();
            for l in n.split('.') {
                v.push(l.len() as u8);
                v.extend_from_slice(l.as_bytes());
            }
            v.push(0);
            v
        }
        fn rr(owner: &str, rtype: u16, rdata: &[u8]) -> Vec<u8> {
            let mut v = name(owner);
            v.extend_from_slice(&rtype.to_be_bytes());
            v.extend_from_slice(&[0, 1, 0, 0, 0x0e, 0x10]);
            v.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
            v.extend_from_slice(rdata);
            v
        }
        let mut m = vec![0x12, 0x34, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0];
        m.extend(name("a.example"));
        m.extend_from_slice(&[0, 1, 0, 1]);
        m.extend(rr("a.example", TYPE_CNAME, &name("b.example")));
        m.extend(rr("c.example", TYPE_A, &[1, 2, 3, 4]));
        m.extend(rr("B.Example", TYPE_A, &[5, 6, 7, 8]));
        let r = resolve(&m).expect("resolves");
        assert_eq!(r.chain().collect::<Vec<_>>(), vec![&b"a.example"[..], b"b.example"]);
        assert_eq!(r.addresses().len(), 1, "{r:?}");
        assert_eq!(&r.addresses()[0].bytes[..4], &[5, 6, 7, 8]);
        assert_eq!(r.addresses()[0].ttl, 3600);
        // A CNAME loop back to the question adds nothing and ends.
        let mut l = vec![0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0];
        l.extend(name("a.example"));
        l.extend_from_slice(&[0, 1, 0, 1]);
        l.extend(rr("a.example", TYPE_CNAME, &name("b.example")));
        l.extend(rr("b.example", TYPE_CNAME, &name("a.example")));
        assert_eq!(resolve(&l).expect("loop").chain().count(), 2);
        for cut in 0..RESP_CHAIN.len() {
            let _ = resolve(&RESP_CHAIN[..cut]);
        }
    }

    #[test]
    fn real_edns_txt_and_tcp() {
        let s = parse(RESP_EDNS).expect("edns");
        assert_eq!(s.qname_str(), Some("suricata.io"));
        assert_eq!(s.address_count, 1);
        let t = parse(RESP_TXT).expect("txt");
        assert_eq!(t.qtype, 16);
        // Mixed-case tunnel labels come out lowercase.
        assert_eq!(t.qname_str(), Some("aaaaao1kqa.=auth.srv.tunnel.com"));
        // DNS over TCP: strip the 2-byte length prefix.
        let len = usize::from(u16::from_be_bytes([TCP_RESP[0], TCP_RESP[1]]));
        assert_eq!(len + 2, TCP_RESP.len());
        let g = parse(&TCP_RESP[2..]).expect("tcp");
        assert_eq!(g.qname_str(), Some("www.google.com"));
        assert_eq!((g.answer_count, g.answers_parsed), (12, 12));
    }

    #[test]
    fn every_prefix_is_an_error_or_a_consistent_summary() {
        for msg in ALL {
            let full = parse(msg).expect("full");
            for cut in 0..msg.len() {
                match parse(&msg[..cut]) {
                    Err(_) => {}
                    Ok(s) => {
                        // The question survived; answers may be cut short.
                        assert_eq!(s.qname(), full.qname());
                        assert!(
                            s.answers_parsed < full.answers_parsed
                                || full.answer_count == 0
                                || s.answers_parsed == full.answers_parsed
                        );
                    }
                }
            }
            assert_eq!(parse(&msg[..11]), Err(DnsError::Truncated));
        }
    }

    #[test]
    fn compression_loops_are_errors() {
        // The CNAME chain answer names are pointers; point the first answer's
        // name at itself, then at a later offset (a two-step loop).
        let q_end = 12 + "ctldl.windowsupdate.com".len() + 2 + 4;
        assert_eq!(RESP_CHAIN[q_end] & 0xc0, 0xc0, "answer name is a pointer");
        let mut self_loop = RESP_CHAIN.to_vec();
        self_loop[q_end] = 0xc0 | (q_end >> 8) as u8;
        self_loop[q_end + 1] = q_end as u8;
        let s = parse(&self_loop).expect("question still fine");
        assert!(s.answers_malformed);
        assert_eq!(answer(&self_loop, q_end), Err(DnsError::BadPointer));
        // Question name pointing forward to a pointer that points back to it.
        let mut msg = vec![0u8; 12];
        msg[5] = 1; // one question
        msg.extend_from_slice(&[0xc0, 14, 0xc0, 12, 0, 1, 0, 1]);
        assert_eq!(parse(&msg), Err(DnsError::BadPointer));
        // A long backwards chain hits the jump bound.
        let mut chain = vec![0u8; 12];
        chain[5] = 1;
        chain.push(0); // root name at 12
        for i in 0..40 {
            let target = 12 + 2 * i;
            let target = if i == 0 { 12 } else { target - 1 };
            chain.extend_from_slice(&[0xc0 | (target >> 8) as u8, target as u8]);
        }
        let start = chain.len() - 2;
        assert_eq!(read_name(&chain, start, None), Err(DnsError::TooManyPointers));
    }

    #[test]
    fn oversized_and_bad_labels() {
        let header = |qd: u8| {
            let mut m = vec![0u8; 12];
            m[5] = qd;
            m
        };
        // 5 labels of 63 bytes: 320 bytes on the wire.
        let mut long = header(1);
        for _ in 0..5 {
            long.push(63);
            long.extend(std::iter::repeat_n(b'a', 63));
        }
        long.extend_from_slice(&[0, 0, 1, 0, 1]);
        assert_eq!(parse(&long), Err(DnsError::NameTooLong));
        // Exactly 255 bytes on the wire is fine: 3*64 + 62 + 1.
        let mut max = header(1);
        for _ in 0..3 {
            max.push(63);
            max.extend(std::iter::repeat_n(b'b', 63));
        }
        max.push(61);
        max.extend(std::iter::repeat_n(b'c', 61));
        max.extend_from_slice(&[0, 0, 1, 0, 1]);
        let s = parse(&max).expect("255-byte name");
        assert_eq!(s.qname().len(), 253);
        // Reserved label types 0b01 and 0b10.
        for bad in [0x40u8, 0x80] {
            let mut m = header(1);
            m.extend_from_slice(&[bad, b'x', 0, 0, 1, 0, 1]);
            assert_eq!(parse(&m), Err(DnsError::BadLabelType));
        }
        // Label longer than what is left.
        let mut m = header(1);
        m.extend_from_slice(&[20, b'x']);
        assert_eq!(parse(&m), Err(DnsError::Truncated));
    }

    #[test]
    fn byte_flips_never_panic() {
        for msg in ALL.iter().chain([&&TCP_RESP[2..]]) {
            for i in 0..msg.len() {
                for x in [0xffu8, 0xc0, 0x3f] {
                    let mut m = msg.to_vec();
                    m[i] ^= x;
                    let _ = parse(&m);
                }
            }
        }
    }
}

//! Application-layer facts from a flow's first payload packets: the TLS
//! ClientHello and ServerHello (reassembled across TCP segments), DNS
//! messages, and QUIC long headers. Work is bounded per flow: a direction is
//! looked at only until its hello is parsed, refused, or its budget of
//! packets or bytes runs out.
//!
//! A hello that fits one segment is parsed in place. One that does not (a
//! ClientHello with post-quantum key shares spans two) is copied into a
//! fixed-size buffer from a pool allocated at start; the buffer goes back
//! to the pool as soon as that direction is done, so it exists only while
//! the handshake is in progress.
use std::sync::Arc;

use crate::features::FlowState;
use crate::names::{DnsCache, NameSource, NameTable};
use crate::parse::{Parsed, PROTO_TCP, PROTO_UDP};
use crate::stats::{bump, PipelineCounters};
use crate::{dns, http, quic, tls, x509};

/// Bytes of one direction's reassembly buffer.
pub const SLOT_BYTES: usize = 8192;
/// Payload packets a direction may take to complete its hello.
const MAX_HELLO_PACKETS: u8 = 8;
/// DNS messages parsed per flow (a resolver flow can carry many).
const MAX_DNS_MESSAGES: u32 = 64;
/// Client UDP payload packets looked at for QUIC Initials (a ClientHello
/// with a post-quantum key share spans two; Chrome scatters its CRYPTO
/// frames over them).
const QUIC_PACKETS: u64 = 4;

const NO_SLOT: u16 = u16::MAX;

/// Where one direction's hello stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stage {
    /// No payload yet.
    #[default]
    Waiting,
    /// Part of a hello is in a buffer.
    Collecting,
    /// Parsed, not TLS, malformed, or given up: nothing more to do.
    Done,
}

/// One direction's reassembly state, kept in the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirHello {
    pub stage: Stage,
    slot: u16,
    next_seq: u32,
    len: u16,
    packets: u8,
}

impl Default for DirHello {
    fn default() -> Self {
        DirHello { stage: Stage::Waiting, slot: NO_SLOT, next_seq: 0, len: 0, packets: 0 }
    }
}

/// The pool of reassembly buffers, allocated once.
pub struct HelloBuffers {
    data: Vec<u8>,
    free: Vec<u16>,
    /// Per slot, which bytes hold data: QUIC CRYPTO fragments arrive at any
    /// offset and in any order (TCP segments fill a slot from its start).
    cover: Vec<u64>,
}

const COVER_WORDS: usize = SLOT_BYTES / 64;

impl HelloBuffers {
    pub fn new(slots: usize) -> Self {
        let slots = slots.min(NO_SLOT as usize);
        HelloBuffers {
            data: vec![0; slots * SLOT_BYTES],
            free: (0..slots as u16).rev().collect(),
            cover: vec![0; slots * COVER_WORDS],
        }
    }

    /// Take a slot for out-of-order fragments (its coverage cleared).
    fn take_for_fragments(&mut self) -> Option<u16> {
        let slot = self.free.pop()?;
        let c = slot as usize * COVER_WORDS;
        self.cover[c..c + COVER_WORDS].fill(0);
        Some(slot)
    }

    /// Put `bytes` at `offset` of the slot; false when it does not fit.
    fn put_fragment(&mut self, slot: u16, offset: u64, bytes: &[u8]) -> bool {
        let Ok(off) = usize::try_from(offset) else { return false };
        let Some(end) = off.checked_add(bytes.len()).filter(|&e| e <= SLOT_BYTES) else { return false };
        self.buf(slot)[off..end].copy_from_slice(bytes);
        let c = slot as usize * COVER_WORDS;
        for i in off..end {
            self.cover[c + i / 64] |= 1 << (i % 64);
        }
        true
    }

    /// How many bytes from the slot's start are present without a gap.
    fn contiguous(&self, slot: u16) -> usize {
        let c = slot as usize * COVER_WORDS;
        let mut n = 0;
        for &w in &self.cover[c..c + COVER_WORDS] {
            if w == u64::MAX {
                n += 64;
            } else {
                return n + w.trailing_ones() as usize;
            }
        }
        n
    }

    fn buf(&mut self, slot: u16) -> &mut [u8] {
        let s = slot as usize * SLOT_BYTES;
        &mut self.data[s..s + SLOT_BYTES]
    }

    fn release(&mut self, d: &mut DirHello) {
        if d.slot != NO_SLOT {
            self.free.push(d.slot);
            d.slot = NO_SLOT;
        }
    }

    /// Give back both directions' buffers of an ending flow.
    pub fn release_flow(&mut self, st: &mut FlowState) {
        for d in st.hello.iter_mut() {
            self.release(d);
        }
    }
}

enum Outcome {
    More,
    Finished,
}

/// What a parse outcome means for the direction: wait for more bytes, or
/// stop (after recording a parsed hello or counting a malformed one).
fn settle<T>(h: tls::Hello<T>, c: &PipelineCounters, parsed: impl FnOnce(T)) -> Outcome {
    match h {
        tls::Hello::Incomplete => Outcome::More,
        tls::Hello::NotTls => Outcome::Finished,
        tls::Hello::Malformed(_) => {
            bump(&c.tls_malformed, 1);
            Outcome::Finished
        }
        tls::Hello::Parsed(v) => {
            parsed(v);
            Outcome::Finished
        }
    }
}

fn apply_client(
    st: &mut FlowState,
    ch: tls::ClientHello,
    c: &PipelineCounters,
    bytes: usize,
    names: &NameTable,
    source: NameSource,
) {
    bump(&c.tls_client_hellos, 1);
    let t = &mut st.tls;
    t.client_version = ch.version();
    t.client_cipher_count = ch.cipher_count;
    t.client_tls13_cipher_count = ch.ciphers.tls13;
    t.client_ext_count = ch.extension_count;
    t.client_alpn = match ch.alpn_first() {
        b"" => 0,
        b"http/1.1" | b"http/1.0" => 1,
        b"h2" => 2,
        b"h3" => 3,
        _ => 4,
    };
    t.client_alpn_count = ch.alpn_count;
    t.client_has_sni = ch.has_sni;
    t.client_pq_key_share = ch.pq_key_share;
    t.client_groups_count = ch.supported_groups_count;
    t.client_sig_algs_count = ch.sig_algs_count;
    t.client_hello_bytes = bytes.min(u16::MAX as usize) as u16;
    st.learn_name(ch.sni_bytes(), source, names);
    st.alpn.set(ch.alpn_first());
    st.ja4.set(ch.ja4().as_bytes());
}

fn apply_server(st: &mut FlowState, sh: tls::ServerHello, c: &PipelineCounters) {
    bump(&c.tls_server_hellos, 1);
    st.tls.server_version = sh.version;
    st.tls.server_cipher = sh.cipher_suite;
    st.tls.server_ext_count = sh.extension_count;
    st.tls.hello_retry = sh.hello_retry_request;
    if st.alpn.is_empty() {
        st.alpn.set(sh.alpn());
    }
}

fn parse_dir(st: &mut FlowState, d: usize, bytes: &[u8], c: &PipelineCounters, names: &NameTable) -> Outcome {
    if d == 0 {
        return settle(tls::client_hello(bytes), c, |ch| apply_client(st, ch, c, bytes.len(), names, NameSource::Sni));
    }
    let sh = match tls::server_hello(bytes) {
        tls::Hello::Parsed(sh) => sh,
        other => return settle(other, c, |_| {}),
    };
    if st.tls.server_version == 0 {
        apply_server(st, sh, c);
    }
    // TLS 1.2 and older send the certificate in clear: read its name when
    // the flow has no better one (a client that sent no SNI).
    let clear_cert = sh.version < 0x0304 && !sh.hello_retry_request;
    if !clear_cert || st.name_source <= NameSource::Cert {
        return Outcome::Finished;
    }
    match tls::first_certificate(bytes) {
        tls::Hello::Incomplete => Outcome::More,
        tls::Hello::NotTls => Outcome::Finished,
        tls::Hello::Malformed(_) => {
            bump(&c.tls_cert_malformed, 1);
            Outcome::Finished
        }
        tls::Hello::Parsed(der) => {
            match x509::names(der) {
                Ok(n) => {
                    bump(&c.tls_certs, 1);
                    // A wildcard names its parent domain; a CN that is not a
                    // host name ("Spirent Communications Inc.") names nothing.
                    if let Some(name) = n.best_name() {
                        let name = name.strip_prefix("*.").unwrap_or(name);
                        let host = name.contains('.')
                            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
                        if host {
                            st.learn_name(name.as_bytes(), NameSource::Cert, names);
                        }
                    }
                }
                Err(_) => bump(&c.tls_cert_malformed, 1),
            }
            Outcome::Finished
        }
    }
}

/// What a worker keeps to read application-layer facts: the reassembly
/// buffers, the name table and the DNS cache.
pub struct Inspector {
    pub bufs: HelloBuffers,
    pub names: Arc<NameTable>,
    pub dns: DnsCache,
    /// Where a QUIC Initial is decrypted (the packet itself is never changed).
    scratch: Vec<u8>,
}

impl Inspector {
    pub fn new(hello_buffers: usize, dns_cache: usize, names: Arc<NameTable>) -> Self {
        Inspector {
            bufs: HelloBuffers::new(hello_buffers),
            names,
            dns: DnsCache::new(dns_cache),
            scratch: vec![0; quic::SCRATCH_LEN],
        }
    }

    /// Look at one packet for application-layer facts. `first` is true for
    /// the first packet of the flow.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn inspect(
        &mut self,
        st: &mut FlowState,
        p: &Parsed,
        frame: &[u8],
        forward: bool,
        first: bool,
        ts_ns: u64,
        c: &PipelineCounters,
    ) {
        if first {
            // A flow with no name of its own yet may be named by the DNS
            // answer that gave its server's address.
            let n = if p.ipv6 { 16 } else { 4 };
            let server = if forward { &p.dst[..n] } else { &p.src[..n] };
            if let Some(name) = self.dns.get(server, ts_ns) {
                st.learn_name(name, NameSource::Dns, &self.names);
            }
        }
        let payload = p.payload(frame);
        if payload.is_empty() {
            return;
        }
        match p.proto {
            PROTO_TCP => tcp_hello(st, p, payload, forward, &mut self.bufs, c, &self.names),
            PROTO_UDP => {
                if p.src_port == 53 || p.dst_port == 53 || p.src_port == 5353 || p.dst_port == 5353 {
                    if st.dns_queries + st.dns_responses < MAX_DNS_MESSAGES {
                        self.dns_message(st, payload, ts_ns, c);
                    }
                } else if forward && st.dir[0].payload_packets <= QUIC_PACKETS {
                    if let Some(v) = tls::is_quic_long_header(payload) {
                        st.quic_long_header = true;
                        st.quic_version = v;
                        if st.hello[0].stage != Stage::Done {
                            self.quic_initial(st, payload, c);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Decrypt a client Initial and gather its CRYPTO fragments until the
    /// ClientHello is whole; then read it like a TCP one.
    fn quic_initial(&mut self, st: &mut FlowState, payload: &[u8], c: &PipelineCounters) {
        let mut h = st.hello[0];
        h.packets = h.packets.saturating_add(1);
        let initial = match quic::decrypt_initial(payload, &mut self.scratch) {
            Ok(i) => i,
            Err(_) => {
                // A Handshake or 0-RTT packet after the Initials, or a forged one.
                bump(&c.quic_undecryptable, 1);
                if h.packets as u64 >= QUIC_PACKETS {
                    self.bufs.release(&mut h);
                    h.stage = Stage::Done;
                }
                st.hello[0] = h;
                return;
            }
        };
        bump(&c.quic_initials, 1);
        if h.slot == NO_SLOT {
            match self.bufs.take_for_fragments() {
                Some(slot) => {
                    h.slot = slot;
                    h.stage = Stage::Collecting;
                }
                None => {
                    bump(&c.tls_no_buffer, 1);
                    h.stage = Stage::Done;
                    st.hello[0] = h;
                    return;
                }
            }
        }
        let mut ok = true;
        for frag in initial.crypto_frames() {
            match frag {
                Ok((off, data)) => ok &= self.bufs.put_fragment(h.slot, off, data),
                Err(_) => {
                    bump(&c.quic_undecryptable, 1);
                    ok = false;
                    break;
                }
            }
        }
        let have = self.bufs.contiguous(h.slot);
        let start = h.slot as usize * SLOT_BYTES;
        let names = &self.names;
        let out = settle(tls::client_hello_message(&self.bufs.data[start..start + have]), c, |ch| {
            apply_client(st, ch, c, have, names, NameSource::Quic)
        });
        // A fragment that did not fit or a bogus frame ends the attempt.
        let finished = matches!(out, Outcome::Finished) || !ok;
        if finished || h.packets as u64 >= QUIC_PACKETS {
            if !finished {
                bump(&c.tls_incomplete, 1);
            }
            self.bufs.release(&mut h);
            h.stage = Stage::Done;
        }
        st.hello[0] = h;
    }

    fn dns_message(&mut self, st: &mut FlowState, payload: &[u8], ts_ns: u64, c: &PipelineCounters) {
        match dns::parse(payload) {
            Ok(m) => {
                bump(&c.dns_messages, 1);
                if m.is_response {
                    st.dns_responses = st.dns_responses.saturating_add(1);
                    if m.address_count > 0 {
                        if let Ok(r) = dns::resolve_parsed(payload, &m) {
                            let before = self.dns.stored;
                            self.dns.learn(&r, &self.names, ts_ns);
                            bump(&c.dns_addresses_cached, self.dns.stored - before);
                        }
                    }
                } else {
                    st.dns_queries = st.dns_queries.saturating_add(1);
                }
            }
            Err(_) => bump(&c.dns_malformed, 1),
        }
    }
}

fn tcp_hello(
    st: &mut FlowState,
    p: &Parsed,
    payload: &[u8],
    forward: bool,
    bufs: &mut HelloBuffers,
    c: &PipelineCounters,
    names: &NameTable,
) {
    let d = if forward { 0 } else { 1 };
    let Some(tcp) = p.tcp else { return };
    let mut h = st.hello[d];
    if h.stage == Stage::Done {
        return;
    }
    // Only bytes the capture holds can be parsed; a segment cut short ends it.
    let whole = payload.len() == p.payload_len as usize;
    match h.stage {
        Stage::Waiting => {
            if d == 0 && http::is_request(payload) {
                st.http_request = true;
                if let Some(host) = http::host(payload) {
                    st.learn_name(host, NameSource::Host, names);
                }
            }
            let out = parse_dir(st, d, payload, c, names);
            h.packets = 1;
            h.stage = Stage::Done;
            if let Outcome::More = out {
                if !whole || payload.len() > SLOT_BYTES {
                    bump(&c.tls_incomplete, 1);
                } else if let Some(slot) = bufs.free.pop() {
                    bufs.buf(slot)[..payload.len()].copy_from_slice(payload);
                    h = DirHello {
                        stage: Stage::Collecting,
                        slot,
                        next_seq: tcp.seq.wrapping_add(payload.len() as u32),
                        len: payload.len() as u16,
                        packets: 1,
                    };
                } else {
                    bump(&c.tls_no_buffer, 1);
                }
            }
        }
        Stage::Collecting => {
            h.packets = h.packets.saturating_add(1);
            let off = tcp.seq.wrapping_sub(h.next_seq) as i32;
            // A retransmission of bytes we have: skip them, keep any new tail.
            let skip = if off < 0 { (-(off as i64)) as usize } else { 0 };
            if off > 0 || !whole {
                // A gap (lost or reordered segment) or a cut-short capture.
                bump(&c.tls_incomplete, 1);
                bufs.release(&mut h);
                h.stage = Stage::Done;
            } else if skip < payload.len() {
                let add = &payload[skip..];
                let len = h.len as usize;
                if len + add.len() > SLOT_BYTES {
                    bump(&c.tls_incomplete, 1);
                    bufs.release(&mut h);
                    h.stage = Stage::Done;
                } else {
                    bufs.buf(h.slot)[len..len + add.len()].copy_from_slice(add);
                    h.len += add.len() as u16;
                    h.next_seq = h.next_seq.wrapping_add(add.len() as u32);
                    let slot = h.slot as usize * SLOT_BYTES;
                    let bytes = &bufs.data[slot..slot + h.len as usize];
                    if let Outcome::Finished = parse_dir(st, d, bytes, c, names) {
                        bufs.release(&mut h);
                        h.stage = Stage::Done;
                    }
                }
            }
            if h.stage == Stage::Collecting && h.packets >= MAX_HELLO_PACKETS {
                bump(&c.tls_incomplete, 1);
                bufs.release(&mut h);
                h.stage = Stage::Done;
            }
        }
        Stage::Done => {}
    }
    st.hello[d] = h;
}

#[cfg(test)]
mod tests {
    use crate::flow::EndReason;
    use crate::parse::tcp_flags::{ACK, PSH, SYN};
    use crate::pipeline::{Config, FlowRef, Pipeline, Sink};

    /// Firefox's ClientHello with an X25519MLKEM768 key share (1,918 bytes)
    /// and the server's reply, from a real capture (see tests/data/tls/README.md).
    const CH: &[u8] = include_bytes!("../tests/data/tls/chrome_mlkem_googlevideo.client.bin");
    const SH: &[u8] = include_bytes!("../tests/data/tls/chrome_mlkem_googlevideo.server.bin");

    fn frame(from_client: bool, flags: u8, seq: u32, payload: &[u8]) -> Vec<u8> {
        let (src, dst, sp, dp) = if from_client {
            ([10, 0, 0, 1], [10, 0, 0, 2], 40000u16, 443u16)
        } else {
            ([10, 0, 0, 2], [10, 0, 0, 1], 443, 40000)
        };
        let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
        let total = (20 + 20 + payload.len()) as u16;
        f.extend_from_slice(&[0x45, 0]);
        f.extend_from_slice(&total.to_be_bytes());
        f.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
        f.extend_from_slice(&src);
        f.extend_from_slice(&dst);
        f.extend_from_slice(&sp.to_be_bytes());
        f.extend_from_slice(&dp.to_be_bytes());
        f.extend_from_slice(&seq.to_be_bytes());
        f.extend_from_slice(&0u32.to_be_bytes());
        f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        f.extend_from_slice(payload);
        f
    }

    #[derive(Default)]
    struct Names(Vec<(String, u16, u16, usize)>);
    impl Sink for Names {
        fn flow_end(&mut self, f: FlowRef<'_>, _r: EndReason) {
            let t = &f.state.tls;
            self.0.push((f.state.name.to_lossy(), t.client_version, t.server_cipher, f.state.ja4.as_bytes().len()));
        }
    }

    /// The handshake with the ClientHello cut at `cut`, segments sent in `order`.
    fn run(cut: usize, order: &[usize], hello_buffers: usize) -> (Names, crate::stats::PipelineSummary) {
        let mut pl = Pipeline::new(Config { flow_capacity: 16, hello_buffers, ..Config::default() });
        let mut sink = Names::default();
        let isn = 1000u32;
        let segs = [(isn + 1, &CH[..cut]), (isn + 1 + cut as u32, &CH[cut..])];
        let mut frames = vec![frame(true, SYN, isn, &[]), frame(false, SYN | ACK, 5000, &[])];
        for &i in order {
            frames.push(frame(true, ACK | PSH, segs[i].0, segs[i].1));
        }
        frames.push(frame(false, ACK | PSH, 5001, SH));
        for (n, mut f) in frames.into_iter().enumerate() {
            let len = f.len() as u32;
            pl.process(&mut f, len, 1_000_000 * (n as u64 + 1), &mut sink);
        }
        pl.flush(&mut sink);
        (sink, pl.counters().snapshot())
    }

    #[test]
    fn a_client_hello_over_two_segments_is_reassembled() {
        let (whole, _) = run(CH.len(), &[0], 4);
        let (split, c) = run(1200, &[0, 1], 4);
        assert_eq!(split.0, whole.0, "split and whole hellos give the same facts");
        let (sni, version, cipher, ja4) = &split.0[0];
        assert!(sni.ends_with("googlevideo.com"), "{sni}");
        assert_eq!(*version, 0x0304);
        assert_ne!(*cipher, 0);
        assert_eq!(*ja4, 36);
        assert_eq!((c.tls_client_hellos, c.tls_server_hellos, c.tls_incomplete), (1, 1, 0));
    }

    #[test]
    fn a_retransmitted_first_segment_is_harmless() {
        let (names, c) = run(1200, &[0, 0, 1], 4);
        assert!(names.0[0].0.ends_with("googlevideo.com"));
        assert_eq!(c.tls_client_hellos, 1);
    }

    #[test]
    fn a_gap_or_no_free_buffer_is_counted_and_the_flow_goes_on() {
        // Reordered: the first payload seen starts mid-record, which looks
        // like no TLS at all; nothing is parsed and the flow goes on.
        let (names, c) = run(1200, &[1, 0], 4);
        assert_eq!(names.0[0].0, "", "out of order: not parsed");
        assert_eq!((c.tls_client_hellos, c.tls_server_hellos), (0, 1));
        let (names, c) = run(1200, &[0, 1], 0);
        assert_eq!(names.0[0].0, "");
        assert_eq!(c.tls_no_buffer, 1);
        assert_eq!(c.tls_server_hellos, 1, "the server side fits one segment");
    }

    /// Names and counters of a flow made of `frames` (client first).
    fn names_of(frames: Vec<Vec<u8>>) -> (Vec<(String, crate::names::NameSource)>, crate::stats::PipelineSummary) {
        #[derive(Default)]
        struct N(Vec<(String, crate::names::NameSource)>);
        impl Sink for N {
            fn flow_end(&mut self, f: FlowRef<'_>, _r: EndReason) {
                self.0.push((f.state.name.to_lossy(), f.state.name_source));
            }
        }
        let mut pl = Pipeline::new(Config { flow_capacity: 16, hello_buffers: 4, ..Config::default() });
        let mut sink = N::default();
        for (n, mut f) in frames.into_iter().enumerate() {
            let len = f.len() as u32;
            pl.process(&mut f, len, 1_000_000 * (n as u64 + 1), &mut sink);
        }
        pl.flush(&mut sink);
        (sink.0, pl.counters().snapshot())
    }

    fn udp(payload: &[u8]) -> Vec<u8> {
        let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
        let total = (20 + 8 + payload.len()) as u16;
        f.extend_from_slice(&[0x45, 0]);
        f.extend_from_slice(&total.to_be_bytes());
        f.extend_from_slice(&[0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        f.extend_from_slice(&50000u16.to_be_bytes());
        f.extend_from_slice(&443u16.to_be_bytes());
        f.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(payload);
        f
    }

    const QUIC1: &[u8] = include_bytes!("../tests/data/quic/quic-frag.initial1.bin");
    const QUIC2: &[u8] = include_bytes!("../tests/data/quic/quic-frag.initial2.bin");

    #[test]
    fn a_quic_client_hello_over_two_initials_names_the_flow_in_either_order() {
        use crate::names::NameSource::Quic;
        for order in [[QUIC1, QUIC2], [QUIC2, QUIC1]] {
            let (names, c) = names_of(order.iter().map(|p| udp(p)).collect());
            assert_eq!(names, vec![("token.services.mozilla.com".to_string(), Quic)]);
            assert_eq!((c.quic_initials, c.quic_undecryptable, c.tls_client_hellos), (2, 0, 1), "{c:?}");
            assert_eq!(c.flows_named["quic"], 1);
        }
        for (v, file) in [
            ("v1", &include_bytes!("../tests/data/quic/rfc9001_a2_client_initial.bin")[..]),
            ("v2", include_bytes!("../tests/data/quic/rfc9369_a2_client_initial.bin")),
        ] {
            let (names, _) = names_of(vec![udp(file)]);
            assert_eq!(names, vec![("example.com".to_string(), Quic)], "RFC vector {v}");
        }
    }

    #[test]
    fn forged_or_cut_quic_initials_are_counted_and_name_nothing() {
        let mut forged = QUIC1.to_vec();
        let n = forged.len();
        forged[n - 600] ^= 0x55; // inside the protected payload: the tag fails
        let (names, c) = names_of(vec![udp(&forged)]);
        assert_eq!(names[0].0, "");
        assert_eq!((c.quic_initials, c.quic_undecryptable), (0, 1));
        // Only the first Initial: the hello is incomplete, its buffer comes back
        // after the packet budget, and nothing is named.
        let (names, c) = names_of(vec![udp(QUIC1); 5]);
        assert_eq!(names[0].0, "");
        assert_eq!(c.tls_client_hellos, 0);
        for cut in [10, 40, 200, 1000] {
            let (names, _) = names_of(vec![udp(&QUIC1[..cut])]);
            assert_eq!(names[0].0, "");
        }
    }

    #[test]
    fn a_tls12_certificate_names_a_flow_whose_client_sent_no_sni() {
        use crate::names::NameSource::{Cert, Sni};
        // A TLS 1.0 ClientHello without SNI; the server's TLS 1.2 flight of
        // www.google.com (4,101 bytes) in three segments.
        let client = include_bytes!("../tests/data/tls/trex_https_tls10.client.bin");
        let flight = include_bytes!("../tests/data/x509/google_3segments.server_flight.bin");
        let mut frames = vec![frame(true, SYN, 100, &[]), frame(false, SYN | ACK, 900, &[])];
        frames.push(frame(true, ACK | PSH, 101, client));
        let mut seq = 901u32;
        for seg in flight.chunks(1448) {
            frames.push(frame(false, ACK | PSH, seq, seg));
            seq += seg.len() as u32;
        }
        let (names, c) = names_of(frames.clone());
        assert_eq!(names, vec![("www.google.com".to_string(), Cert)]);
        assert_eq!((c.tls_certs, c.tls_cert_malformed), (1, 0));
        // With an SNI the certificate is not read: the SNI is the better name.
        frames[2] = frame(true, ACK | PSH, 101, CH);
        let (names, c) = names_of(frames);
        assert_eq!(names[0].1, Sni);
        assert_eq!(c.tls_certs, 0);
        // A CN that is no host name names nothing.
        let spirent = include_bytes!("../tests/data/x509/trex_https_tls10.server_flight.bin");
        let (names, c) = names_of(vec![
            frame(true, SYN, 100, &[]),
            frame(false, SYN | ACK, 900, &[]),
            frame(true, ACK | PSH, 101, client),
            frame(false, ACK | PSH, 901, spirent),
        ]);
        assert_eq!((names[0].0.as_str(), c.tls_certs), ("", 1));
    }

    #[test]
    fn a_client_hello_that_never_completes_gives_its_buffer_back() {
        let mut pl = Pipeline::new(Config { flow_capacity: 16, hello_buffers: 1, ..Config::default() });
        let mut sink = Names::default();
        for round in 0..3u32 {
            // A new connection each round whose hello stops after 600 bytes.
            let mut f = frame(true, ACK | PSH, 1 + round, &CH[..600]);
            let len = f.len() as u32;
            let _ = &mut f[34..36].copy_from_slice(&(41000 + round as u16).to_be_bytes());
            pl.process(&mut f, len, 1_000_000 + round as u64 * 1_000_000_000_000, &mut sink);
        }
        pl.flush(&mut sink);
        let c = pl.counters().snapshot();
        // Each round's flow expired before the next began, freeing the one buffer.
        assert_eq!(c.tls_no_buffer, 0, "{c:?}");
    }
}

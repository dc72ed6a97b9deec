//! Pure-Rust reading and writing of capture files: classic pcap (micro- and
//! nanosecond, either byte order) and pcapng (section, interface, enhanced
//! and simple packet blocks). Used by the offline runner, by the check of
//! replay inputs before DPDK opens them, and by tests.
//!
//! Reading reuses one buffer: a record borrows it until the next call.
//! Every length read from the file is checked before use, so a corrupt file
//! gives an [`Error`] and never a panic or an unbounded allocation.
use std::fmt;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

/// Largest record flowmark accepts (libpcap's own limit is 256 KiB).
pub const MAX_RECORD: usize = 256 * 1024;
/// Largest pcapng block flowmark accepts.
const MAX_BLOCK: usize = MAX_RECORD + 4096;

/// Link types flowmark parses.
pub const LINKTYPE_ETHERNET: u32 = 1;

/// Why a capture file cannot be read.
#[derive(Debug)]
pub enum Error {
    Io(io::Error),
    /// The file has no bytes at all.
    Empty,
    /// Not a pcap or pcapng file (the first four bytes).
    NotPcap([u8; 4]),
    /// The file ends inside a header or a record.
    Truncated {
        record: u64,
        offset: u64,
        what: &'static str,
    },
    /// A length field no capture can have.
    Corrupt {
        record: u64,
        offset: u64,
        what: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "{e}"),
            Error::Empty => write!(f, "the file is empty (0 bytes): not a capture"),
            Error::NotPcap(m) => {
                write!(f, "not a pcap or pcapng file (starts with {:02x} {:02x} {:02x} {:02x})", m[0], m[1], m[2], m[3])
            }
            Error::Truncated { record, offset, what } => {
                write!(f, "truncated: the file ends inside {what} of record {record} (byte offset {offset})")
            }
            Error::Corrupt { record, offset, what } => {
                write!(f, "corrupt at record {record} (byte offset {offset}): {what}")
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

/// The format of a capture file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pcap { nanos: bool, big_endian: bool },
    PcapNg,
}

/// One packet record, borrowing the reader's buffer.
#[derive(Debug)]
pub struct Record<'a> {
    /// Capture time in ns since the Unix epoch.
    pub ts_ns: u64,
    /// Length of the frame on the wire.
    pub orig_len: u32,
    /// The captured bytes (may be shorter than `orig_len`).
    pub data: &'a [u8],
    /// The link type of the interface it came from.
    pub linktype: u32,
}

/// A streaming reader over a pcap or pcapng file.
pub struct Reader<R: Read> {
    inner: R,
    format: Format,
    buf: Vec<u8>,
    offset: u64,
    records: u64,
    /// pcap: the one link type; pcapng: per interface (link type, ts units per second).
    linktype: u32,
    interfaces: Vec<(u32, u64)>,
    ng_big_endian: bool,
}

/// A capture file opened by path, gzip-compressed or not.
pub type FileReader = Reader<Box<dyn Read + Send>>;

/// Whether the file at `path` starts with the gzip magic.
pub fn is_gzip(path: &Path) -> Result<bool, Error> {
    let mut f = std::fs::File::open(path)?;
    let mut m = [0u8; 2];
    Ok(read_full(&mut f, &mut m)? == 2 && m == [0x1f, 0x8b])
}

impl FileReader {
    /// Open a capture file by path; `.pcap.gz` (any gzip-compressed
    /// capture) is decompressed as it is read.
    pub fn open(path: &Path) -> Result<Self, Error> {
        let gz = is_gzip(path)?;
        let f = BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
        let inner: Box<dyn Read + Send> = if gz {
            Box::new(BufReader::with_capacity(1 << 16, flate2::read::MultiGzDecoder::new(f)))
        } else {
            Box::new(f)
        };
        Reader::new(inner)
    }
}

/// Read exactly `buf.len()` bytes; Ok(false) on a clean EOF before any byte.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn u32_at(b: &[u8], at: usize, big: bool) -> u32 {
    let a = [b[at], b[at + 1], b[at + 2], b[at + 3]];
    if big {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

fn u16_at(b: &[u8], at: usize, big: bool) -> u16 {
    let a = [b[at], b[at + 1]];
    if big {
        u16::from_be_bytes(a)
    } else {
        u16::from_le_bytes(a)
    }
}

impl<R: Read> Reader<R> {
    /// Read the file header.
    pub fn new(mut inner: R) -> Result<Self, Error> {
        let mut magic = [0u8; 4];
        let n = read_full(&mut inner, &mut magic)?;
        if n == 0 {
            return Err(Error::Empty);
        }
        if n < 4 {
            return Err(Error::Truncated { record: 0, offset: 0, what: "the file header" });
        }
        let format = match magic {
            [0xd4, 0xc3, 0xb2, 0xa1] => Format::Pcap { nanos: false, big_endian: false },
            [0xa1, 0xb2, 0xc3, 0xd4] => Format::Pcap { nanos: false, big_endian: true },
            [0x4d, 0x3c, 0xb2, 0xa1] => Format::Pcap { nanos: true, big_endian: false },
            [0xa1, 0xb2, 0x3c, 0x4d] => Format::Pcap { nanos: true, big_endian: true },
            [0x0a, 0x0d, 0x0d, 0x0a] => Format::PcapNg,
            m => return Err(Error::NotPcap(m)),
        };
        let mut r = Reader {
            inner,
            format,
            buf: Vec::with_capacity(2048),
            offset: 4,
            records: 0,
            linktype: 0,
            interfaces: Vec::new(),
            ng_big_endian: false,
        };
        match format {
            Format::Pcap { big_endian, .. } => {
                let mut h = [0u8; 20];
                if read_full(&mut r.inner, &mut h)? < 20 {
                    return Err(Error::Truncated { record: 0, offset: 4, what: "the file header" });
                }
                r.offset = 24;
                r.linktype = u32_at(&h, 16, big_endian) & 0x0fff_ffff;
            }
            Format::PcapNg => {
                // The section header block: its length field comes before
                // the byte-order magic, so read both, then the rest.
                let mut h = [0u8; 8];
                if read_full(&mut r.inner, &mut h)? < 8 {
                    return Err(Error::Truncated { record: 0, offset: 4, what: "the section header" });
                }
                r.ng_big_endian = match [h[4], h[5], h[6], h[7]] {
                    [0x1a, 0x2b, 0x3c, 0x4d] => true,
                    [0x4d, 0x3c, 0x2b, 0x1a] => false,
                    _ => {
                        return Err(Error::Corrupt {
                            record: 0,
                            offset: 8,
                            what: "pcapng section header has no byte-order magic".into(),
                        })
                    }
                };
                let len = u32_at(&h, 0, r.ng_big_endian) as usize;
                if !(28..=MAX_BLOCK).contains(&len) || !len.is_multiple_of(4) {
                    return Err(Error::Corrupt {
                        record: 0,
                        offset: 4,
                        what: format!("pcapng section header length {len}"),
                    });
                }
                r.skip(len - 12, 0, "the section header")?;
            }
        }
        Ok(r)
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Records read so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Bytes of the file consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    fn fill(&mut self, len: usize, what: &'static str) -> Result<(), Error> {
        self.buf.resize(len, 0);
        let got = read_full(&mut self.inner, &mut self.buf[..len])?;
        if got < len {
            return Err(Error::Truncated { record: self.records + 1, offset: self.offset, what });
        }
        self.offset += len as u64;
        Ok(())
    }

    fn skip(&mut self, len: usize, record: u64, what: &'static str) -> Result<(), Error> {
        let copied = io::copy(&mut (&mut self.inner).take(len as u64), &mut io::sink())?;
        if copied < len as u64 {
            return Err(Error::Truncated { record, offset: self.offset, what });
        }
        self.offset += len as u64;
        Ok(())
    }

    /// The next packet record, or `None` at a clean end of file.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Record<'_>>, Error> {
        match self.format {
            Format::Pcap { nanos, big_endian } => self.next_pcap(nanos, big_endian),
            Format::PcapNg => self.next_pcapng(),
        }
    }

    fn next_pcap(&mut self, nanos: bool, big: bool) -> Result<Option<Record<'_>>, Error> {
        let mut h = [0u8; 16];
        let got = read_full(&mut self.inner, &mut h)?;
        if got == 0 {
            return Ok(None);
        }
        if got < 16 {
            return Err(Error::Truncated { record: self.records + 1, offset: self.offset, what: "the record header" });
        }
        let start = self.offset;
        self.offset += 16;
        let sec = u32_at(&h, 0, big) as u64;
        let frac = u32_at(&h, 4, big) as u64;
        let incl = u32_at(&h, 8, big) as usize;
        let orig = u32_at(&h, 12, big);
        if incl > MAX_RECORD {
            return Err(Error::Corrupt {
                record: self.records + 1,
                offset: start,
                what: format!("captured length {incl} exceeds {MAX_RECORD}"),
            });
        }
        self.fill(incl, "the packet data")?;
        self.records += 1;
        let ts_ns = sec * 1_000_000_000 + if nanos { frac } else { frac * 1000 };
        Ok(Some(Record { ts_ns, orig_len: orig.max(incl as u32), data: &self.buf[..incl], linktype: self.linktype }))
    }

    fn next_pcapng(&mut self) -> Result<Option<Record<'_>>, Error> {
        let big = self.ng_big_endian;
        loop {
            let mut h = [0u8; 8];
            let got = read_full(&mut self.inner, &mut h)?;
            if got == 0 {
                return Ok(None);
            }
            let start = self.offset;
            if got < 8 {
                return Err(Error::Truncated { record: self.records + 1, offset: start, what: "a block header" });
            }
            self.offset += 8;
            let btype = u32_at(&h, 0, big);
            let len = u32_at(&h, 4, big) as usize;
            if btype == 0x0a0d_0d0a {
                // A new section: re-read its byte order from the body.
                let mut m = [0u8; 4];
                if read_full(&mut self.inner, &mut m)? < 4 {
                    return Err(Error::Truncated {
                        record: self.records + 1,
                        offset: self.offset,
                        what: "a section header",
                    });
                }
                self.offset += 4;
                self.ng_big_endian = m == [0x1a, 0x2b, 0x3c, 0x4d];
                let len = u32_at(&h, 4, self.ng_big_endian) as usize;
                if !(28..=MAX_BLOCK).contains(&len) || !len.is_multiple_of(4) {
                    return Err(Error::Corrupt {
                        record: self.records + 1,
                        offset: start,
                        what: format!("section header length {len}"),
                    });
                }
                self.interfaces.clear();
                self.skip(len - 12, self.records + 1, "a section header")?;
                continue;
            }
            if !(12..=MAX_BLOCK).contains(&len) || !len.is_multiple_of(4) {
                return Err(Error::Corrupt {
                    record: self.records + 1,
                    offset: start,
                    what: format!("pcapng block length {len}"),
                });
            }
            let body = len - 12;
            self.fill(body + 4, "a block")?;
            let b = &self.buf[..body];
            match btype {
                // Interface description: link type, and if_tsresol if present.
                1 => {
                    if body < 8 {
                        return Err(Error::Corrupt {
                            record: self.records + 1,
                            offset: start,
                            what: "short interface block".into(),
                        });
                    }
                    let lt = u16_at(b, 0, big) as u32;
                    let mut units = 1_000_000u64;
                    let mut o = 8;
                    while o + 4 <= body {
                        let code = u16_at(b, o, big);
                        let olen = u16_at(b, o + 2, big) as usize;
                        if code == 0 || o + 4 + olen > body {
                            break;
                        }
                        if code == 9 && olen >= 1 {
                            let v = b[o + 4];
                            let exp = (v & 0x7f) as u32;
                            units = if v & 0x80 != 0 { 2u64.checked_pow(exp) } else { 10u64.checked_pow(exp) }
                                .unwrap_or(1_000_000_000)
                                .max(1);
                        }
                        o += 4 + olen.div_ceil(4) * 4;
                    }
                    if self.interfaces.len() < 256 {
                        self.interfaces.push((lt, units));
                    }
                }
                // Enhanced packet block.
                6 => {
                    if body < 20 {
                        return Err(Error::Corrupt {
                            record: self.records + 1,
                            offset: start,
                            what: "short packet block".into(),
                        });
                    }
                    let iface = u32_at(b, 0, big) as usize;
                    let ts = ((u32_at(b, 4, big) as u64) << 32) | u32_at(b, 8, big) as u64;
                    let incl = u32_at(b, 12, big) as usize;
                    let orig = u32_at(b, 16, big);
                    if incl > body - 20 {
                        return Err(Error::Corrupt {
                            record: self.records + 1,
                            offset: start,
                            what: format!("packet length {incl} overruns its block"),
                        });
                    }
                    let (lt, units) = self.interfaces.get(iface).copied().ok_or_else(|| Error::Corrupt {
                        record: self.records + 1,
                        offset: start,
                        what: format!("packet names undeclared interface {iface}"),
                    })?;
                    let ts_ns =
                        if units == 1_000_000_000 { ts } else { ((ts as u128) * 1_000_000_000 / units as u128) as u64 };
                    self.records += 1;
                    return Ok(Some(Record {
                        ts_ns,
                        orig_len: orig.max(incl as u32),
                        data: &self.buf[20..20 + incl],
                        linktype: lt,
                    }));
                }
                // Simple packet block: no timestamp.
                3 => {
                    if body < 4 {
                        return Err(Error::Corrupt {
                            record: self.records + 1,
                            offset: start,
                            what: "short simple packet block".into(),
                        });
                    }
                    let orig = u32_at(b, 0, big);
                    let incl = (orig as usize).min(body - 4);
                    let lt = self.interfaces.first().map(|i| i.0).unwrap_or(LINKTYPE_ETHERNET);
                    self.records += 1;
                    return Ok(Some(Record { ts_ns: 0, orig_len: orig, data: &self.buf[4..4 + incl], linktype: lt }));
                }
                _ => {} // statistics, name resolution, custom: not packets
            }
        }
    }
}

/// Summary of a whole capture file, from [`check_file`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSummary {
    pub format: Format,
    pub packets: u64,
    pub bytes: u64,
    pub first_ts_ns: u64,
    pub last_ts_ns: u64,
}

/// Read a whole capture and report its size, or the first problem in it.
pub fn check_file(path: &Path) -> Result<FileSummary, Error> {
    let mut r = Reader::open(path)?;
    let mut s = FileSummary { format: r.format(), packets: 0, bytes: 0, first_ts_ns: 0, last_ts_ns: 0 };
    while let Some(rec) = r.next()? {
        if s.packets == 0 {
            s.first_ts_ns = rec.ts_ns;
        }
        s.last_ts_ns = rec.ts_ns;
        s.packets += 1;
        s.bytes += rec.data.len() as u64;
    }
    Ok(s)
}

/// Writes classic little-endian pcap with nanosecond timestamps.
pub struct Writer<W: Write> {
    out: W,
}

impl Writer<BufWriter<std::fs::File>> {
    pub fn create(path: &Path, linktype: u32) -> io::Result<Self> {
        Writer::new(BufWriter::new(std::fs::File::create(path)?), linktype)
    }
}

impl<W: Write> Writer<W> {
    pub fn new(mut out: W, linktype: u32) -> io::Result<Self> {
        out.write_all(&[0x4d, 0x3c, 0xb2, 0xa1])?;
        out.write_all(&2u16.to_le_bytes())?;
        out.write_all(&4u16.to_le_bytes())?;
        out.write_all(&0i32.to_le_bytes())?;
        out.write_all(&0u32.to_le_bytes())?;
        out.write_all(&(MAX_RECORD as u32).to_le_bytes())?;
        out.write_all(&linktype.to_le_bytes())?;
        Ok(Writer { out })
    }

    pub fn write(&mut self, ts_ns: u64, orig_len: u32, data: &[u8]) -> io::Result<()> {
        let sec = (ts_ns / 1_000_000_000) as u32;
        let ns = (ts_ns % 1_000_000_000) as u32;
        self.out.write_all(&sec.to_le_bytes())?;
        self.out.write_all(&ns.to_le_bytes())?;
        self.out.write_all(&(data.len() as u32).to_le_bytes())?;
        self.out.write_all(&orig_len.max(data.len() as u32).to_le_bytes())?;
        self.out.write_all(data)
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

pub const LINKTYPE_NULL: u32 = 0;
pub const LINKTYPE_RAW: u32 = 101;
pub const LINKTYPE_LINUX_SLL: u32 = 113;

/// Write `rec` into `out` as the Ethernet frame it would have been on an
/// Ethernet wire, and return that frame's wire length: Ethernet records are
/// copied; raw IP, Linux cooked (SLL) and BSD loopback (NULL) records get a
/// 14-byte Ethernet header in place of theirs. None for other link types or
/// a header that does not name IPv4/IPv6.
pub fn to_ethernet(rec: &Record<'_>, out: &mut Vec<u8>) -> Option<u32> {
    out.clear();
    let (ethertype, skip) = match rec.linktype {
        LINKTYPE_ETHERNET => {
            out.extend_from_slice(rec.data);
            return Some(rec.orig_len);
        }
        LINKTYPE_RAW => match rec.data.first()? >> 4 {
            4 => (0x0800u16, 0usize),
            6 => (0x86dd, 0),
            _ => return None,
        },
        LINKTYPE_LINUX_SLL => (u16::from_be_bytes([*rec.data.get(14)?, *rec.data.get(15)?]), 16),
        LINKTYPE_NULL => {
            let fam = u32::from_le_bytes(rec.data.get(..4)?.try_into().ok()?);
            let fam = if fam > 0xffff { fam.swap_bytes() } else { fam };
            match fam {
                2 => (0x0800, 4),
                24 | 28 | 30 => (0x86dd, 4),
                _ => return None,
            }
        }
        _ => return None,
    };
    if !matches!(ethertype, 0x0800 | 0x86dd | 0x8100) || rec.data.len() < skip {
        return None;
    }
    out.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01]);
    out.extend_from_slice(&ethertype.to_be_bytes());
    out.extend_from_slice(&rec.data[skip..]);
    Some((rec.orig_len as usize).saturating_sub(skip).saturating_add(14) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut w = Writer::new(Vec::new(), LINKTYPE_ETHERNET).unwrap();
        w.write(1_000_000_123, 60, &[1u8; 60]).unwrap();
        w.write(2_000_000_456, 1514, &[2u8; 100]).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn roundtrip_keeps_times_lengths_and_bytes() {
        let bytes = sample();
        let mut r = Reader::new(&bytes[..]).unwrap();
        let a = r.next().unwrap().unwrap();
        assert_eq!((a.ts_ns, a.orig_len, a.data.len()), (1_000_000_123, 60, 60));
        let b = r.next().unwrap().unwrap();
        assert_eq!((b.ts_ns, b.orig_len, b.data.len()), (2_000_000_456, 1514, 100));
        assert!(b.data.iter().all(|&x| x == 2));
        assert!(r.next().unwrap().is_none());
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let bytes = sample();
        for cut in 1..bytes.len() {
            let res = Reader::new(&bytes[..cut]).and_then(|mut r| {
                while r.next()?.is_some() {}
                Ok(())
            });
            // Cutting exactly at a record boundary is a shorter valid file.
            let boundary = cut == 24 || cut == 24 + 16 + 60;
            assert_eq!(res.is_ok(), boundary, "cut at {cut}: {res:?}");
        }
    }

    #[test]
    fn empty_and_foreign_files_are_named() {
        assert!(matches!(Reader::new(&[][..]), Err(Error::Empty)));
        let e = Reader::new(&b"GIF89a...."[..]).err().unwrap();
        assert!(e.to_string().contains("not a pcap"), "{e}");
    }

    #[test]
    fn bogus_record_length_is_refused_without_allocating_it() {
        let mut bytes = sample();
        bytes[24 + 8..24 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut r = Reader::new(&bytes[..]).unwrap();
        assert!(matches!(r.next(), Err(Error::Corrupt { .. })));
    }

    #[test]
    fn microsecond_big_endian_pcap_is_read() {
        let mut f = vec![0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4];
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&65535u32.to_be_bytes());
        f.extend_from_slice(&1u32.to_be_bytes());
        f.extend_from_slice(&7u32.to_be_bytes());
        f.extend_from_slice(&5u32.to_be_bytes());
        f.extend_from_slice(&3u32.to_be_bytes());
        f.extend_from_slice(&3u32.to_be_bytes());
        f.extend_from_slice(&[9, 9, 9]);
        let mut r = Reader::new(&f[..]).unwrap();
        let rec = r.next().unwrap().unwrap();
        assert_eq!(rec.ts_ns, 7_000_005_000);
        assert_eq!(rec.data, &[9, 9, 9]);
    }

    #[test]
    fn pcapng_enhanced_packets_are_read() {
        let mut f = Vec::new();
        // Section header block, 28 bytes.
        f.extend_from_slice(&0x0a0d0d0au32.to_le_bytes());
        f.extend_from_slice(&28u32.to_le_bytes());
        f.extend_from_slice(&0x1a2b3c4du32.to_le_bytes());
        f.extend_from_slice(&1u16.to_le_bytes());
        f.extend_from_slice(&0u16.to_le_bytes());
        f.extend_from_slice(&(-1i64).to_le_bytes());
        f.extend_from_slice(&28u32.to_le_bytes());
        // Interface description block with if_tsresol = 9 (ns), 28 bytes.
        f.extend_from_slice(&1u32.to_le_bytes());
        f.extend_from_slice(&28u32.to_le_bytes());
        f.extend_from_slice(&1u16.to_le_bytes());
        f.extend_from_slice(&0u16.to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        f.extend_from_slice(&9u16.to_le_bytes());
        f.extend_from_slice(&1u16.to_le_bytes());
        f.extend_from_slice(&[9, 0, 0, 0]);
        f.extend_from_slice(&28u32.to_le_bytes());
        // Enhanced packet block with 5 bytes of data padded to 8, 40 bytes.
        f.extend_from_slice(&6u32.to_le_bytes());
        f.extend_from_slice(&40u32.to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        f.extend_from_slice(&1_500u32.to_le_bytes());
        f.extend_from_slice(&5u32.to_le_bytes());
        f.extend_from_slice(&64u32.to_le_bytes());
        f.extend_from_slice(&[1, 2, 3, 4, 5, 0, 0, 0]);
        f.extend_from_slice(&40u32.to_le_bytes());
        let mut r = Reader::new(&f[..]).unwrap();
        let rec = r.next().unwrap().unwrap();
        assert_eq!((rec.ts_ns, rec.orig_len, rec.data, rec.linktype), (1500, 64, &[1, 2, 3, 4, 5][..], 1));
        assert!(r.next().unwrap().is_none());
    }

    #[test]
    fn raw_ip_and_sll_become_the_ethernet_frame_they_would_have_been() {
        let ip = [0x45u8, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
        let rec = Record { ts_ns: 0, orig_len: 20, data: &ip, linktype: LINKTYPE_RAW };
        let mut out = Vec::new();
        assert_eq!(to_ethernet(&rec, &mut out), Some(34));
        assert_eq!(&out[12..14], &[0x08, 0x00]);
        assert_eq!(&out[14..], &ip);
        let mut sll = vec![0u8; 14];
        sll.extend_from_slice(&[0x08, 0x00]);
        sll.extend_from_slice(&ip);
        let rec = Record { ts_ns: 0, orig_len: 36, data: &sll, linktype: LINKTYPE_LINUX_SLL };
        assert_eq!(to_ethernet(&rec, &mut out), Some(34));
        assert_eq!(&out[14..], &ip);
        let rec = Record { ts_ns: 0, orig_len: 20, data: &ip, linktype: 147 };
        assert_eq!(to_ethernet(&rec, &mut out), None);
        let rec = Record { ts_ns: 0, orig_len: 0, data: &[], linktype: LINKTYPE_RAW };
        assert_eq!(to_ethernet(&rec, &mut out), None);
    }
}

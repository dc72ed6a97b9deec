//! Joining ground-truth labels to flows: a labels CSV names a capture file,
//! optionally a flow (5-tuple, either orientation) and its first-packet
//! time, and a class. Reads both flowmark's generated `labels.csv`
//! (`capture,...,class,application,session`) and the shared real set's
//! (`pcap,...,label`).
use std::collections::HashMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

/// A label for a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub class: String,
    pub application: String,
    pub session: String,
    first_ts: Option<f64>,
}

type TupleKey = (String, u16, String, u16, u8);

/// Labels indexed by capture (path as written in the file) and flow.
#[derive(Debug, Default)]
pub struct Labels {
    flows: HashMap<(String, TupleKey), Vec<Label>>,
    files: HashMap<String, Label>,
    captures: Vec<String>,
}

fn proto_number(s: &str) -> Option<u8> {
    match s.to_ascii_uppercase().as_str() {
        "TCP" | "6" => Some(6),
        "UDP" | "17" => Some(17),
        "ICMP" | "1" => Some(1),
        "ICMPV6" | "IPV6-ICMP" | "58" => Some(58),
        other => other.parse().ok(),
    }
}

fn canonical(a: &str, ap: u16, b: &str, bp: u16, proto: u8) -> TupleKey {
    if (a, ap) <= (b, bp) {
        (a.to_string(), ap, b.to_string(), bp, proto)
    } else {
        (b.to_string(), bp, a.to_string(), ap, proto)
    }
}

/// Split one CSV line (RFC 4180 quoting).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

impl Labels {
    pub fn load(path: &Path) -> Result<Labels> {
        Self::load_where(path, &[])
    }

    /// Load only the rows that pass every filter: `COLUMN=VALUE` or
    /// `COLUMN!=VALUE` (for example `label_confidence!=low`).
    pub fn load_where(path: &Path, filters: &[String]) -> Result<Labels> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading labels {}", path.display()))?;
        let mut lines = text.lines();
        let header = split_csv(lines.next().ok_or_else(|| anyhow!("{}: empty labels file", path.display()))?);
        let col = |names: &[&str]| names.iter().find_map(|n| header.iter().position(|h| h.trim() == *n));
        let cap =
            col(&["capture", "pcap"]).ok_or_else(|| anyhow!("{}: no `capture` (or `pcap`) column", path.display()))?;
        let class =
            col(&["class", "label"]).ok_or_else(|| anyhow!("{}: no `class` (or `label`) column", path.display()))?;
        let (sip, sp, dip, dp, pr) =
            (col(&["src_ip"]), col(&["src_port"]), col(&["dst_ip"]), col(&["dst_port"]), col(&["proto", "protocol"]));
        let ts = col(&["first_ts"]);
        let app = col(&["application", "ndpi_protocol"]);
        let sess = col(&["session"]);
        let mut conds = Vec::new();
        for f in filters {
            let (c, v, eq) = match f.split_once("!=") {
                Some((c, v)) => (c, v, false),
                None => {
                    let (c, v) = f
                        .split_once('=')
                        .ok_or_else(|| anyhow!("label filter {f:?} is not COLUMN=VALUE or COLUMN!=VALUE"))?;
                    (c, v, true)
                }
            };
            let i = header
                .iter()
                .position(|h| h.trim() == c.trim())
                .ok_or_else(|| anyhow!("{}: label filter names no column {c:?}", path.display()))?;
            conds.push((i, v.trim().to_string(), eq));
        }
        let mut l = Labels::default();
        for (i, line) in lines.enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let f = split_csv(line);
            let get = |c: Option<usize>| c.and_then(|c| f.get(c)).map(|s| s.trim().to_string()).unwrap_or_default();
            if !conds.iter().all(|(i, v, eq)| (get(Some(*i)) == *v) == *eq) {
                continue;
            }
            let capture = get(Some(cap));
            if capture.is_empty() {
                bail!("{}:{}: empty capture", path.display(), i + 2);
            }
            let label = Label {
                class: get(Some(class)),
                application: get(app),
                session: get(sess),
                first_ts: get(ts).parse().ok(),
            };
            if !l.captures.contains(&capture) {
                l.captures.push(capture.clone());
            }
            let tuple = (get(sip), get(sp).parse::<u16>(), get(dip), get(dp).parse::<u16>(), proto_number(&get(pr)));
            match tuple {
                (a, Ok(ap), b, Ok(bp), Some(p)) if !a.is_empty() && !b.is_empty() => {
                    l.flows.entry((capture, canonical(&a, ap, &b, bp, p))).or_default().push(label);
                }
                _ => {
                    l.files.insert(capture, label);
                }
            }
        }
        Ok(l)
    }

    /// The label file's name for `pcap`: the longest capture path that the
    /// given path ends with (component-wise).
    pub fn capture_name(&self, pcap: &Path) -> Option<&str> {
        self.captures
            .iter()
            .filter(|c| pcap.ends_with(Path::new(c.as_str())))
            .max_by_key(|c| c.len())
            .map(String::as_str)
    }

    /// The label of a flow of `capture`: the row with the same endpoints
    /// (either orientation) and the nearest first-packet time (within 2 s),
    /// else the capture's file-wide label.
    pub fn lookup(
        &self,
        capture: &str,
        src: (&str, u16),
        dst: (&str, u16),
        proto: u8,
        first_ts: f64,
    ) -> Option<&Label> {
        let key = (capture.to_string(), canonical(src.0, src.1, dst.0, dst.1, proto));
        if let Some(rows) = self.flows.get(&key) {
            let best = rows
                .iter()
                .map(|r| (r, r.first_ts.map(|t| (t - first_ts).abs()).unwrap_or(0.0)))
                .filter(|(_, d)| *d <= 2.0)
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((r, _)) = best {
                return Some(r);
            }
        }
        self.files.get(capture)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_label_formats_join_by_tuple_either_way_and_time() {
        let dir = std::env::temp_dir().join(format!("fm-labels-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("labels.csv");
        std::fs::write(
            &p,
            "capture,src_ip,src_port,dst_ip,dst_port,proto,first_ts,class,application,session\n\
             train/pcap/s1.pcap,10.0.0.1,5000,10.0.0.2,443,TCP,100.0,video,hls,s1\n\
             train/pcap/s1.pcap,10.0.0.1,5000,10.0.0.2,443,TCP,200.0,web,chromium,s1\n\
             train/pcap/s2.pcap,,,,,,,file_transfer,scp,s2\n",
        )
        .unwrap();
        let l = Labels::load(&p).unwrap();
        let cap = l.capture_name(Path::new("/x/data/train/pcap/s1.pcap")).unwrap().to_string();
        assert_eq!(cap, "train/pcap/s1.pcap");
        let hit = l.lookup(&cap, ("10.0.0.2", 443), ("10.0.0.1", 5000), 6, 200.5).unwrap();
        assert_eq!(hit.class, "web");
        assert!(l.lookup(&cap, ("10.0.0.2", 443), ("10.0.0.1", 5000), 6, 150.0).is_none());
        assert_eq!(
            l.lookup("train/pcap/s2.pcap", ("1.1.1.1", 1), ("2.2.2.2", 2), 17, 0.0).unwrap().class,
            "file_transfer"
        );
        assert!(l.capture_name(Path::new("other/s1.pcap")).is_none());

        std::fs::write(&p, "pcap,src_ip,src_port,dst_ip,dst_port,proto,label,first_ts\n\"trex/a,b.pcap\",1.1.1.1,1,2.2.2.2,2,UDP,realtime,5.0\n").unwrap();
        let l = Labels::load(&p).unwrap();
        assert_eq!(l.lookup("trex/a,b.pcap", ("1.1.1.1", 1), ("2.2.2.2", 2), 17, 5.1).unwrap().class, "realtime");
        let l = Labels::load_where(&p, &["label!=realtime".to_string()]).unwrap();
        assert!(l.lookup("trex/a,b.pcap", ("1.1.1.1", 1), ("2.2.2.2", 2), 17, 5.1).is_none());
        assert!(Labels::load_where(&p, &["nosuch=1".to_string()]).unwrap_err().to_string().contains("nosuch"));
    }
}

//! Flow records as JSON lines, under NFStream's names: what `--flow-log`
//! writes (DPDK runner and `dataplane extract`). Off the hot path: the DPDK
//! worker hands ended flows to the main lcore through a bounded queue.
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use models::schema;

use crate::features::{DecisionState, FlowState};
use crate::flow::{EndReason, FlowKey};
use crate::names::NameSource;
use crate::pipeline::FlowRef;

/// An ended flow, copied out of the table.
#[derive(Clone, Copy)]
pub struct FlowRecord {
    pub key: FlowKey,
    pub state: FlowState,
    pub reason: EndReason,
    /// Which worker tracked it.
    pub worker: u16,
}

impl FlowRecord {
    pub fn as_ref(&self) -> FlowRef<'_> {
        FlowRef { key: &self.key, state: &self.state }
    }
}

/// Text form of an address from a flow key (4 or 16 bytes).
pub fn ip_string(a: &[u8]) -> String {
    match a.len() {
        4 => Ipv4Addr::new(a[0], a[1], a[2], a[3]).to_string(),
        16 => {
            let mut b = [0u8; 16];
            b.copy_from_slice(a);
            Ipv6Addr::from(b).to_string()
        }
        _ => String::new(),
    }
}

/// One JSON line (no trailing newline) for an ended flow. `classes` names
/// the model classes of the model version that decided it, if known.
pub fn json_line(f: FlowRef<'_>, reason: EndReason, worker: u16, classes: Option<&[String]>) -> String {
    let (sa, sp) = f.src();
    let (da, dp) = f.dst();
    let s = f.state;
    let mut v = [0f32; schema::N];
    f.vector(&mut v);
    let mut o = serde_json::Map::new();
    o.insert("src_ip".into(), ip_string(sa).into());
    o.insert("src_port".into(), sp.into());
    o.insert("dst_ip".into(), ip_string(da).into());
    o.insert("dst_port".into(), dp.into());
    o.insert("protocol".into(), f.key.proto.into());
    o.insert("ip_version".into(), (if f.key.ipv6 { 6 } else { 4 }).into());
    o.insert("vlan_id".into(), f.key.vlan.into());
    o.insert("bidirectional_first_seen_ms".into(), (s.first_ns / 1_000_000).into());
    o.insert("bidirectional_last_seen_ms".into(), (s.last_ns / 1_000_000).into());
    o.insert("bidirectional_first_seen_ns".into(), s.first_ns.into());
    o.insert("end_reason".into(), reason.name().into());
    o.insert("worker".into(), worker.into());
    o.insert("requested_server_name".into(), requested_server_name(s).into());
    o.insert("server_name".into(), s.name.to_lossy().into());
    o.insert("server_name_source".into(), s.name_source.as_str().into());
    let offered: Vec<serde_json::Value> = NameSource::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| s.name_sources & (1 << i) != 0)
        .map(|(_, src)| src.as_str().into())
        .collect();
    o.insert("server_name_sources".into(), offered.into());
    o.insert("server_name_class".into(), name_class(s).into());
    o.insert("tls_alpn".into(), s.alpn.to_lossy().into());
    o.insert("tls_ja4".into(), s.ja4.to_lossy().into());
    let d = &s.decision;
    let class = match d.state {
        DecisionState::Pending => "undecided".to_string(),
        DecisionState::Unknown => "unknown".to_string(),
        DecisionState::Decided => {
            classes.and_then(|c| c.get(d.class as usize)).cloned().unwrap_or_else(|| format!("class{}", d.class))
        }
    };
    o.insert("class".into(), class.into());
    if d.state != DecisionState::Pending {
        let conf = format!("{}", d.confidence).parse::<f64>().unwrap_or(0.0);
        o.insert(
            "confidence".into(),
            serde_json::Number::from_f64(conf).map(Into::into).unwrap_or(serde_json::Value::Null),
        );
        o.insert("decision_packet".into(), d.packet.into());
        o.insert("model_version".into(), d.model_version.into());
        if d.state == DecisionState::Decided {
            o.insert("decided_by".into(), (if d.by_name { "name" } else { "forest" }).into());
        }
    }
    let mut feats = serde_json::Map::new();
    for (name, x) in schema::NAMES.iter().zip(v.iter()) {
        // The f32's shortest decimal form, so the log shows what the model sees.
        let x = format!("{x}").parse::<f64>().unwrap_or(f64::NAN);
        feats
            .insert((*name).into(), serde_json::Number::from_f64(x).map(Into::into).unwrap_or(serde_json::Value::Null));
    }
    o.insert("features".into(), feats.into());
    serde_json::Value::Object(o).to_string()
}

/// The client's server_name (TLS or QUIC), as NFStream reports it.
pub fn requested_server_name(s: &FlowState) -> String {
    match s.name_source {
        NameSource::Sni | NameSource::Quic => s.name.to_lossy(),
        _ => String::new(),
    }
}

/// The name table's class for the flow's name ("" when unlisted or unnamed).
pub fn name_class(s: &FlowState) -> &'static str {
    crate::names::CLASSES.get(s.name_class as usize).copied().unwrap_or("")
}

/// The CSV header of `dataplane extract`'s feature file.
pub fn csv_header() -> String {
    let mut h = String::from(
        "capture,session,flow_first_ns,src_ip,src_port,dst_ip,dst_port,protocol,k,label,application,requested_server_name,tls_alpn,tls_ja4,server_name,server_name_source,server_name_class",
    );
    for n in schema::NAMES {
        h.push(',');
        h.push_str(n);
    }
    h
}

/// Quote a CSV field when it needs it.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One CSV row of `dataplane extract`.
pub fn csv_row(
    capture: &str,
    session: &str,
    f: FlowRef<'_>,
    k: u32,
    label: &str,
    app: &str,
    v: &schema::Vector,
) -> String {
    let (sa, sp) = f.src();
    let (da, dp) = f.dst();
    let s = f.state;
    let mut r = String::with_capacity(2048);
    let _ = write!(
        r,
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
        csv_field(capture),
        csv_field(session),
        s.first_ns,
        ip_string(sa),
        sp,
        ip_string(da),
        dp,
        f.key.proto,
        k,
        csv_field(label),
        csv_field(app),
        csv_field(&requested_server_name(s)),
        csv_field(&s.alpn.to_lossy()),
        csv_field(&s.ja4.to_lossy()),
        csv_field(&s.name.to_lossy()),
        s.name_source.as_str(),
        name_class(s),
    );
    for x in v {
        // Shortest text that reads back to the same f32.
        let _ = write!(r, ",{x}");
    }
    r
}

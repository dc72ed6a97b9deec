//! Per-worker counters and the run summary.
//!
//! Each worker owns one cache-line-aligned [`WorkerCounters`] and is its only
//! writer: it adds with a plain load and store (no locked instruction), and
//! other threads (the summary, the control server) read with relaxed loads.
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

/// Add `n` to a counter that only the calling worker writes.
#[inline(always)]
pub fn bump(c: &AtomicU64, n: u64) {
    c.store(c.load(Relaxed).wrapping_add(n), Relaxed);
}

/// One worker's counters.
#[derive(Debug, Default)]
#[repr(align(64))]
pub struct WorkerCounters {
    pub rx_packets: AtomicU64,
    pub rx_bytes: AtomicU64,
    pub tx_packets: AtomicU64,
    pub tx_bytes: AtomicU64,
    /// Packets freed after the bounded tx retry.
    pub tx_drops: AtomicU64,
    /// Packets without a driver rx timestamp (timed by the TSC instead).
    pub rx_tsc_timed: AtomicU64,
    /// Models (or DSCP maps) this worker adopted, and the generation it runs.
    pub model_swaps: AtomicU64,
    pub model_generation: AtomicU64,
    /// The name table generation this worker serves.
    pub names_generation: AtomicU64,
    /// Longest loop iteration (poll, burst, tx) in ns: without a swap, and
    /// one that adopted a new model (the stall a swap costs).
    pub max_loop_ns: AtomicU64,
    pub max_swap_loop_ns: AtomicU64,
    /// Longest adoption of a new model alone (the poll that took it).
    pub max_adopt_ns: AtomicU64,
}

/// A copy of one worker's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerSummary {
    pub worker: u32,
    pub lcore: u32,
    pub rx_queue: u16,
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    pub tx_drops: u64,
    pub rx_tsc_timed: u64,
    #[serde(default)]
    pub model_swaps: u64,
    #[serde(default)]
    pub model_generation: u64,
    #[serde(default)]
    pub max_loop_ns: u64,
    #[serde(default)]
    pub max_swap_loop_ns: u64,
    #[serde(default)]
    pub max_adopt_ns: u64,
}

impl WorkerCounters {
    pub fn snapshot(&self, worker: u32, lcore: u32, rx_queue: u16) -> WorkerSummary {
        WorkerSummary {
            worker,
            lcore,
            rx_queue,
            rx_packets: self.rx_packets.load(Relaxed),
            rx_bytes: self.rx_bytes.load(Relaxed),
            tx_packets: self.tx_packets.load(Relaxed),
            tx_bytes: self.tx_bytes.load(Relaxed),
            tx_drops: self.tx_drops.load(Relaxed),
            rx_tsc_timed: self.rx_tsc_timed.load(Relaxed),
            model_swaps: self.model_swaps.load(Relaxed),
            model_generation: self.model_generation.load(Relaxed),
            max_loop_ns: self.max_loop_ns.load(Relaxed),
            max_swap_loop_ns: self.max_swap_loop_ns.load(Relaxed),
            max_adopt_ns: self.max_adopt_ns.load(Relaxed),
        }
    }
}

/// One port's counters as its driver reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortSummary {
    pub port: u16,
    pub name: String,
    pub driver: String,
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    pub rx_missed: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_nombuf: u64,
}

/// What the dataplane prints at exit and writes with `--summary-json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub version: String,
    /// Seconds from the first packet received to the last (the rates' base).
    pub duration_s: f64,
    /// Seconds from port start to the last worker's end (includes the drain wait).
    pub wall_s: f64,
    /// Whether packet times came from the rx timestamp (replay) or the TSC.
    pub packet_time: String,
    pub ports: Vec<PortSummary>,
    pub workers: Vec<WorkerSummary>,
    pub totals: WorkerSummary,
    /// Flows, parse errors and handshakes, over all workers.
    pub pipeline: PipelineSummary,
    /// The model that classified (name and version), if any.
    #[serde(default)]
    pub model: Option<String>,
}

impl RunSummary {
    pub fn total(workers: &[WorkerSummary]) -> WorkerSummary {
        let mut t = WorkerSummary::default();
        for w in workers {
            t.rx_packets += w.rx_packets;
            t.rx_bytes += w.rx_bytes;
            t.tx_packets += w.tx_packets;
            t.tx_bytes += w.tx_bytes;
            t.tx_drops += w.tx_drops;
            t.rx_tsc_timed += w.rx_tsc_timed;
            t.model_swaps += w.model_swaps;
            t.model_generation = t.model_generation.max(w.model_generation);
            t.max_loop_ns = t.max_loop_ns.max(w.max_loop_ns);
            t.max_swap_loop_ns = t.max_swap_loop_ns.max(w.max_swap_loop_ns);
            t.max_adopt_ns = t.max_adopt_ns.max(w.max_adopt_ns);
        }
        t
    }

    /// The human-readable table printed at exit.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let secs = self.duration_s.max(1e-9);
        let _ = writeln!(
            s,
            "flowmark dataplane {} — ran {:.3} s, packet time from {}",
            self.version, self.duration_s, self.packet_time
        );
        let _ = writeln!(s, "\nports:");
        let _ = writeln!(
            s,
            "  {:>4} {:<16} {:>12} {:>14} {:>12} {:>14} {:>8} {:>8} {:>8} {:>8}",
            "port", "name", "rx pkts", "rx bytes", "tx pkts", "tx bytes", "missed", "rx err", "tx err", "nombuf"
        );
        for p in &self.ports {
            let _ = writeln!(
                s,
                "  {:>4} {:<16} {:>12} {:>14} {:>12} {:>14} {:>8} {:>8} {:>8} {:>8}",
                p.port,
                p.name,
                p.rx_packets,
                p.rx_bytes,
                p.tx_packets,
                p.tx_bytes,
                p.rx_missed,
                p.rx_errors,
                p.tx_errors,
                p.rx_nombuf
            );
        }
        let _ = writeln!(s, "\nworkers:");
        let _ = writeln!(
            s,
            "  {:>6} {:>5} {:>5} {:>12} {:>14} {:>12} {:>10} {:>10}",
            "worker", "lcore", "queue", "rx pkts", "rx bytes", "tx pkts", "tx drops", "Mpps"
        );
        for w in self.workers.iter().chain(std::iter::once(&self.totals)) {
            let label = if std::ptr::eq(w, &self.totals) { "total".to_string() } else { w.worker.to_string() };
            let (lcore, queue) = if std::ptr::eq(w, &self.totals) {
                ("".to_string(), "".to_string())
            } else {
                (w.lcore.to_string(), w.rx_queue.to_string())
            };
            let _ = writeln!(
                s,
                "  {:>6} {:>5} {:>5} {:>12} {:>14} {:>12} {:>10} {:>10.3}",
                label,
                lcore,
                queue,
                w.rx_packets,
                w.rx_bytes,
                w.tx_packets,
                w.tx_drops,
                w.rx_packets as f64 / secs / 1e6
            );
        }
        if self.totals.model_swaps > 0 {
            let _ = writeln!(
                s,
                "  model swaps adopted: {} (generation {}); longest loop iteration {:.1} us, {:.1} us with a swap \
                 (the adoption itself at most {:.2} us)",
                self.totals.model_swaps,
                self.totals.model_generation,
                self.totals.max_loop_ns as f64 / 1e3,
                self.totals.max_swap_loop_ns as f64 / 1e3,
                self.totals.max_adopt_ns as f64 / 1e3
            );
        }
        let p = &self.pipeline;
        let _ = writeln!(
            s,
            "\nflows: {} created, {} active at exit; ended by {}",
            p.flows_created,
            p.flows_active,
            p.flows_ended.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
        );
        let errors: Vec<String> =
            p.parse_errors.iter().filter(|(_, v)| **v > 0).map(|(k, v)| format!("{k} {v}")).collect();
        let _ = writeln!(
            s,
            "not parsed to a flow (forwarded unchanged): {}",
            if errors.is_empty() { "none".to_string() } else { errors.join(", ") }
        );
        if p.later_fragments > 0 {
            let _ = writeln!(s, "later IP fragments (forwarded, not tracked): {}", p.later_fragments);
        }
        match &self.model {
            None => {
                let _ = writeln!(s, "\nno model: flows forwarded unclassified and unmarked");
            }
            Some(m) => {
                let decided: u64 = p.classes.values().map(|c| c.flows).sum();
                let _ = writeln!(
                    s,
                    "\nclassified by {m}: {decided} flows decided ({} by the name table), {} unknown, {} undecided (ended before a decision)",
                    p.decided_by_name,
                    p.flows_unknown,
                    p.flows_created.saturating_sub(decided + p.flows_unknown)
                );
                let _ = writeln!(
                    s,
                    "  decided at packet: {}",
                    p.decided_at.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ")
                );
                let _ = writeln!(
                    s,
                    "  {:<14} {:>6} {:>8} {:>14} {:>16}",
                    "class", "DSCP", "flows", "pkts marked", "bytes marked"
                );
                for (name, c) in &p.classes {
                    let _ = writeln!(
                        s,
                        "  {:<14} {:>6} {:>8} {:>14} {:>16}",
                        name,
                        crate::mark::dscp_name(c.dscp),
                        c.flows,
                        c.packets_marked,
                        c.bytes_marked
                    );
                }
            }
        }
        if p.flow_log_dropped > 0 {
            let _ = writeln!(s, "flow log: {} ended flows dropped (queue full)", p.flow_log_dropped);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_up_and_render_names_every_worker() {
        let c = WorkerCounters::default();
        bump(&c.rx_packets, 10);
        bump(&c.tx_packets, 9);
        bump(&c.tx_drops, 1);
        let w0 = c.snapshot(0, 1, 0);
        let w1 = WorkerSummary { worker: 1, lcore: 2, rx_queue: 1, rx_packets: 5, tx_packets: 5, ..Default::default() };
        let totals = RunSummary::total(&[w0.clone(), w1.clone()]);
        assert_eq!((totals.rx_packets, totals.tx_packets, totals.tx_drops), (15, 14, 1));
        let s = RunSummary { workers: vec![w0, w1], totals, duration_s: 1.0, ..Default::default() };
        let text = s.render();
        let total_line = text.lines().find(|l| l.trim_start().starts_with("total")).unwrap();
        let cols: Vec<&str> = total_line.split_whitespace().collect();
        assert_eq!(cols[1..5], ["15", "0", "14", "1"], "{text}");
        assert_eq!(text.lines().filter(|l| l.contains("     1     0 ")).count(), 1, "{text}");
    }
}

/// A worker pipeline's counters: parse errors by reason, flows by how they
/// ended, and what the handshake parsers saw. Single writer (the worker).
#[derive(Debug, Default)]
#[repr(align(64))]
pub struct PipelineCounters {
    /// Indexed by `ParseError as usize`.
    pub parse_errors: [AtomicU64; 10],
    /// IPv4/IPv6 fragments after the first: counted, not tracked.
    pub later_fragments: AtomicU64,
    pub flows_created: AtomicU64,
    /// Indexed by `EndReason as usize`.
    pub flows_ended: [AtomicU64; 6],
    pub tls_client_hellos: AtomicU64,
    pub tls_server_hellos: AtomicU64,
    pub tls_malformed: AtomicU64,
    /// Handshakes not parsed because a segment was missing (gap) or the
    /// handshake outgrew its buffer or packet budget.
    pub tls_incomplete: AtomicU64,
    /// Handshakes not parsed because every reassembly buffer was in use.
    pub tls_no_buffer: AtomicU64,
    pub dns_messages: AtomicU64,
    pub dns_malformed: AtomicU64,
    /// Server certificates read from TLS <= 1.2 flights, and ones that were not DER.
    pub tls_certs: AtomicU64,
    pub tls_cert_malformed: AtomicU64,
    /// QUIC client Initials decrypted, and long-header packets that were not.
    pub quic_initials: AtomicU64,
    pub quic_undecryptable: AtomicU64,
    /// Server addresses learnt from DNS answers into the DNS cache.
    pub dns_addresses_cached: AtomicU64,
    /// Learnt addresses sent to other workers, received from them, and not
    /// sent because an inbox or the outbox was full.
    pub dns_shared: AtomicU64,
    pub dns_received: AtomicU64,
    pub dns_share_dropped: AtomicU64,
    /// Ended flows by where their name came from (`NameSource::index`).
    pub flows_named: [AtomicU64; 5],
    /// Ended flows the flow log could not take (its queue was full).
    pub flow_log_dropped: AtomicU64,
    /// Flows decided per model class index.
    pub class_flows: [AtomicU64; 16],
    /// Packets and bytes (frame lengths) marked per class.
    pub class_packets_marked: [AtomicU64; 16],
    pub class_bytes_marked: [AtomicU64; 16],
    /// Decisions per checkpoint index of the model.
    pub decided_at: [AtomicU64; 8],
    /// Flows the model left unknown after its last checkpoint.
    pub flows_unknown: AtomicU64,
    /// Flows decided by the name table's class rather than the trees' vote.
    pub decided_by_name: AtomicU64,
}

/// A copy of the pipeline counters, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineSummary {
    pub parse_errors: std::collections::BTreeMap<String, u64>,
    pub later_fragments: u64,
    pub flows_created: u64,
    pub flows_ended: std::collections::BTreeMap<String, u64>,
    pub flows_active: u64,
    pub tls_client_hellos: u64,
    pub tls_server_hellos: u64,
    pub tls_malformed: u64,
    pub tls_incomplete: u64,
    pub tls_no_buffer: u64,
    pub dns_messages: u64,
    pub dns_malformed: u64,
    #[serde(default)]
    pub dns_addresses_cached: u64,
    #[serde(default)]
    pub dns_shared: u64,
    #[serde(default)]
    pub dns_received: u64,
    #[serde(default)]
    pub dns_share_dropped: u64,
    #[serde(default)]
    pub tls_certs: u64,
    #[serde(default)]
    pub tls_cert_malformed: u64,
    #[serde(default)]
    pub quic_initials: u64,
    #[serde(default)]
    pub quic_undecryptable: u64,
    /// Ended flows by the source of their name (sni, quic, cert, host, dns).
    #[serde(default)]
    pub flows_named: std::collections::BTreeMap<String, u64>,
    pub flow_log_dropped: u64,
    /// Per class name (from the model), when a model is loaded.
    #[serde(default)]
    pub classes: std::collections::BTreeMap<String, ClassSummary>,
    /// Decisions per checkpoint (packet count).
    #[serde(default)]
    pub decided_at: std::collections::BTreeMap<u32, u64>,
    #[serde(default)]
    pub flows_unknown: u64,
    #[serde(default)]
    pub decided_by_name: u64,
}

/// One class's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassSummary {
    pub dscp: u8,
    pub flows: u64,
    pub packets_marked: u64,
    pub bytes_marked: u64,
}

impl PipelineCounters {
    /// The counters, with per-class and per-checkpoint figures named after
    /// `classes` (name, DSCP) and `checkpoints` (packet counts).
    pub fn snapshot_named(&self, classes: &[(String, u8)], checkpoints: &[u32]) -> PipelineSummary {
        let mut s = self.snapshot();
        for (i, (name, dscp)) in classes.iter().enumerate().take(16) {
            s.classes.insert(
                name.clone(),
                ClassSummary {
                    dscp: *dscp,
                    flows: self.class_flows[i].load(Relaxed),
                    packets_marked: self.class_packets_marked[i].load(Relaxed),
                    bytes_marked: self.class_bytes_marked[i].load(Relaxed),
                },
            );
        }
        for (i, k) in checkpoints.iter().enumerate().take(8) {
            s.decided_at.insert(*k, self.decided_at[i].load(Relaxed));
        }
        s
    }

    pub fn snapshot(&self) -> PipelineSummary {
        use crate::flow::EndReason;
        use crate::parse::ParseError;
        let parse_errors = ParseError::ALL
            .iter()
            .map(|e| (e.name().to_string(), self.parse_errors[*e as usize].load(Relaxed)))
            .collect();
        let flows_ended: std::collections::BTreeMap<String, u64> = EndReason::ALL
            .iter()
            .map(|r| (r.name().to_string(), self.flows_ended[*r as usize].load(Relaxed)))
            .collect();
        let created = self.flows_created.load(Relaxed);
        let ended: u64 = flows_ended.values().sum();
        PipelineSummary {
            parse_errors,
            later_fragments: self.later_fragments.load(Relaxed),
            flows_created: created,
            flows_active: created.saturating_sub(ended),
            flows_ended,
            tls_client_hellos: self.tls_client_hellos.load(Relaxed),
            tls_server_hellos: self.tls_server_hellos.load(Relaxed),
            tls_malformed: self.tls_malformed.load(Relaxed),
            tls_incomplete: self.tls_incomplete.load(Relaxed),
            tls_no_buffer: self.tls_no_buffer.load(Relaxed),
            dns_messages: self.dns_messages.load(Relaxed),
            dns_malformed: self.dns_malformed.load(Relaxed),
            dns_addresses_cached: self.dns_addresses_cached.load(Relaxed),
            dns_shared: self.dns_shared.load(Relaxed),
            dns_received: self.dns_received.load(Relaxed),
            dns_share_dropped: self.dns_share_dropped.load(Relaxed),
            tls_certs: self.tls_certs.load(Relaxed),
            tls_cert_malformed: self.tls_cert_malformed.load(Relaxed),
            quic_initials: self.quic_initials.load(Relaxed),
            quic_undecryptable: self.quic_undecryptable.load(Relaxed),
            flows_named: crate::names::NameSource::ALL
                .iter()
                .enumerate()
                .map(|(i, s)| (s.as_str().to_string(), self.flows_named[i].load(Relaxed)))
                .collect(),
            flow_log_dropped: self.flow_log_dropped.load(Relaxed),
            classes: Default::default(),
            decided_at: Default::default(),
            flows_unknown: self.flows_unknown.load(Relaxed),
            decided_by_name: self.decided_by_name.load(Relaxed),
        }
    }
}

impl PipelineSummary {
    /// Add another worker's counters.
    pub fn add(&mut self, o: &PipelineSummary) {
        for (k, v) in &o.parse_errors {
            *self.parse_errors.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.flows_ended {
            *self.flows_ended.entry(k.clone()).or_default() += v;
        }
        self.later_fragments += o.later_fragments;
        self.flows_created += o.flows_created;
        self.flows_active += o.flows_active;
        self.tls_client_hellos += o.tls_client_hellos;
        self.tls_server_hellos += o.tls_server_hellos;
        self.tls_malformed += o.tls_malformed;
        self.tls_incomplete += o.tls_incomplete;
        self.tls_no_buffer += o.tls_no_buffer;
        self.dns_messages += o.dns_messages;
        self.dns_malformed += o.dns_malformed;
        self.dns_addresses_cached += o.dns_addresses_cached;
        self.dns_shared += o.dns_shared;
        self.dns_received += o.dns_received;
        self.dns_share_dropped += o.dns_share_dropped;
        self.tls_certs += o.tls_certs;
        self.tls_cert_malformed += o.tls_cert_malformed;
        self.quic_initials += o.quic_initials;
        self.quic_undecryptable += o.quic_undecryptable;
        for (k, v) in &o.flows_named {
            *self.flows_named.entry(k.clone()).or_default() += v;
        }
        self.flow_log_dropped += o.flow_log_dropped;
        self.flows_unknown += o.flows_unknown;
        self.decided_by_name += o.decided_by_name;
        for (k, v) in &o.classes {
            let c = self.classes.entry(k.clone()).or_default();
            c.dscp = v.dscp;
            c.flows += v.flows;
            c.packets_marked += v.packets_marked;
            c.bytes_marked += v.bytes_marked;
        }
        for (k, v) in &o.decided_at {
            *self.decided_at.entry(*k).or_default() += v;
        }
    }
}

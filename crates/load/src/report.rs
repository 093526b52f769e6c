//! Measurements and the tables they print as.
//!
//! Latencies go into HDR histograms in microseconds. CPU is read from
//! `/proc/<pid>/stat` (utime + stime) for the load tool itself and for the
//! server, so a saturated client is never mistaken for a slow server; memory
//! from `/proc/<pid>/status` (`VmRSS`, `VmHWM`).

use hdrhistogram::Histogram;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// A latency histogram in microseconds, 1 µs to 10 min, 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("static histogram bounds are valid")
}

/// Records a duration into a microsecond histogram (saturating at its top).
pub fn record(histogram: &mut Histogram<u64>, elapsed: Duration) {
    let micros = (elapsed.as_micros() as u64).clamp(1, 600_000_000);
    histogram.saturating_record(micros);
}

/// CPU time (user + system) a process has used so far, from `/proc/<pid>/stat`.
pub fn cpu_time(pid: Option<u32>) -> Option<Duration> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // The command name may hold spaces; fields count from after its ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = if ticks > 0 { ticks as u64 } else { 100 };
    Some(Duration::from_micros((utime + stime) * 1_000_000 / ticks))
}

/// A `kB` field of `/proc/<pid>/status` (`VmRSS`, `VmHWM`), in bytes.
pub fn status_bytes(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// CPU time each thread of a process has used so far, by thread id, with
/// the thread's name (`/proc/<pid>/task/<tid>/stat`).
pub fn thread_cpu_times(pid: u32) -> Vec<(u32, String, Duration)> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut threads = Vec::new();
    for entry in dir.flatten() {
        let Some(tid) = entry.file_name().to_str().and_then(|t| t.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_owned();
        if let Some(cpu) = parse_cpu(&stat[close..]) {
            threads.push((tid, name, cpu));
        }
    }
    threads
}

/// utime + stime from the part of a stat line after the command's ')'.
fn parse_cpu(after_name: &str) -> Option<Duration> {
    let fields: Vec<&str> = after_name.get(2..)?.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = if ticks > 0 { ticks as u64 } else { 100 };
    Some(Duration::from_micros((utime + stime) * 1_000_000 / ticks))
}

/// The server's CPU over a window by thread name (digits at the end of a
/// name dropped, so `sled-io-0` … `sled-io-6` are one line), largest first,
/// as shares of the whole process's CPU in that window.
pub fn cpu_by_thread(
    before: &[(u32, String, Duration)],
    after: &[(u32, String, Duration)],
) -> String {
    let mut by_name: Vec<(String, Duration)> = Vec::new();
    for (tid, name, cpu) in after {
        let was = before
            .iter()
            .find(|(t, n, _)| t == tid && n == name)
            .map_or(Duration::ZERO, |(_, _, c)| *c);
        let name = name
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .trim_end_matches(['-', '_', ' '])
            .to_owned();
        let used = cpu.saturating_sub(was);
        match by_name.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += used,
            None => by_name.push((name, used)),
        }
    }
    let total: Duration = by_name.iter().map(|(_, d)| *d).sum();
    if total.is_zero() {
        return "no CPU used".into();
    }
    by_name.sort_by_key(|(_, d)| std::cmp::Reverse(*d));
    by_name
        .iter()
        .filter(|(_, d)| !d.is_zero())
        .map(|(n, d)| format!("{n} {:.0} %", 100.0 * d.as_secs_f64() / total.as_secs_f64()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// CPU use of the load tool and the server over one measured window.
pub struct CpuWindow {
    started: Instant,
    own: Option<Duration>,
    server: Option<Duration>,
    server_pid: u32,
    threads: Vec<(u32, String, Duration)>,
}

/// CPU used during a window, as a share of one core (1.0 = one core busy).
#[derive(Debug, Clone, Default)]
pub struct CpuUse {
    pub own: f64,
    pub server: f64,
    pub wall: Duration,
    /// The server's CPU by thread name (see [`cpu_by_thread`]).
    pub server_threads: String,
}

impl CpuUse {
    /// The server's CPU-seconds in the window per 1,000 `edits`.
    pub fn server_seconds_per_1k(&self, edits: u64) -> f64 {
        if edits == 0 {
            return f64::NAN;
        }
        self.server * self.wall.as_secs_f64() / (edits as f64 / 1000.0)
    }
}

impl CpuWindow {
    pub fn start(server_pid: u32) -> Self {
        CpuWindow {
            started: Instant::now(),
            own: cpu_time(None),
            server: cpu_time(Some(server_pid)),
            server_pid,
            threads: thread_cpu_times(server_pid),
        }
    }

    pub fn stop(&self) -> CpuUse {
        let wall = self.started.elapsed();
        let share = |before: Option<Duration>, after: Option<Duration>| match (before, after) {
            (Some(b), Some(a)) if !wall.is_zero() => {
                a.saturating_sub(b).as_secs_f64() / wall.as_secs_f64()
            }
            _ => f64::NAN,
        };
        CpuUse {
            own: share(self.own, cpu_time(None)),
            server: share(self.server, cpu_time(Some(self.server_pid))),
            wall,
            server_threads: cpu_by_thread(&self.threads, &thread_cpu_times(self.server_pid)),
        }
    }
}

/// One row of a scenario's table.
#[derive(Debug, Clone)]
pub enum Value {
    /// Latencies (µs): p50, p90, p99, max and count.
    Latency {
        p50: u64,
        p90: u64,
        p99: u64,
        max: u64,
        count: u64,
    },
    Number {
        value: f64,
        unit: &'static str,
    },
    Text(String),
}

impl Value {
    pub fn latency(h: &Histogram<u64>) -> Value {
        Value::Latency {
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            max: h.max(),
            count: h.len(),
        }
    }

    pub fn number(value: f64, unit: &'static str) -> Value {
        Value::Number { value, unit }
    }

    /// The number a ratio compares: p99 for latencies.
    pub fn key(&self) -> Option<f64> {
        match self {
            Value::Latency { p99, count, .. } if *count > 0 => Some(*p99 as f64),
            Value::Number { value, .. } if value.is_finite() => Some(*value),
            _ => None,
        }
    }
}

fn ms(micros: u64) -> String {
    format!("{:.2}", micros as f64 / 1000.0)
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Latency { count: 0, .. } => write!(f, "no samples"),
            Value::Latency {
                p50,
                p90,
                p99,
                max,
                count,
            } => write!(
                f,
                "p50 {} / p90 {} / p99 {} / max {} ms (n={count})",
                ms(*p50),
                ms(*p90),
                ms(*p99),
                ms(*max)
            ),
            Value::Number { value, unit } if value.abs() >= 100.0 => write!(f, "{value:.0} {unit}"),
            Value::Number { value, unit } => write!(f, "{value:.2} {unit}"),
            Value::Text(text) => write!(f, "{text}"),
        }
    }
}

/// What one scenario measured against one server.
#[derive(Debug, Clone)]
pub struct Report {
    pub scenario: &'static str,
    pub server: String,
    pub rows: Vec<(String, Value)>,
}

impl Report {
    pub fn new(scenario: &'static str, server: &str) -> Self {
        Report {
            scenario,
            server: server.to_owned(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, name: impl Into<String>, value: Value) {
        self.rows.push((name.into(), value));
    }

    /// The standard tail of every table: CPU of both sides and server memory.
    pub fn push_resources(&mut self, cpu: CpuUse, server_pid: u32) {
        self.push("load tool CPU (cores)", Value::number(cpu.own, "cores"));
        self.push("server CPU (cores)", Value::number(cpu.server, "cores"));
        self.push("server CPU by thread", Value::Text(cpu.server_threads));
        if let Some(rss) = status_bytes(server_pid, "VmHWM") {
            self.push(
                "server peak RSS",
                Value::number(rss as f64 / 1048576.0, "MiB"),
            );
        }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.rows.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The table, with ours/theirs ratios when `other` measured the same rows,
    /// and under each row that issue 7 sets a target for (Casebook's own
    /// table only), the target and whether this run met it.
    pub fn table(&self, other: Option<&Report>) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "\n== {} — {} ==", self.scenario, self.server);
        for (name, value) in &self.rows {
            let _ = write!(out, "  {name:<34} {value}");
            let theirs = other.and_then(|o| o.get(name));
            if let Some(theirs) = theirs {
                let _ = write!(
                    out,
                    "   | {}: {theirs}",
                    other.map_or("", |o| o.server.as_str())
                );
                if let (Some(a), Some(b)) = (value.key(), theirs.key()) {
                    if b != 0.0 {
                        let _ = write!(out, "   ours/theirs {:.2}", a / b);
                    }
                }
            }
            out.push('\n');
            if self.server != "casebook" {
                continue;
            }
            for target in targets(self.scenario, name) {
                let verdict = match target.check.met(value, theirs) {
                    Some(true) => "met",
                    Some(false) => "MISSED",
                    None => "not measurable in this run",
                };
                let _ = writeln!(out, "  {:<34}   target: {} → {verdict}", "", target.text);
            }
        }
        out
    }
}

/// A target of issue 7 on one row of one scenario.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub text: &'static str,
    pub check: Check,
}

/// How a row is held against its target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Check {
    /// A latency's p50, in ms, at most this.
    P50AtMostMs(f64),
    /// A latency's p99, in ms, at most this.
    P99AtMostMs(f64),
    /// A number at least this.
    AtLeast(f64),
    /// A number at most this.
    AtMost(f64),
    /// Ours at most theirs divided by this (p99 for latencies); needs the
    /// reference server's row from the same run.
    TimesLowerThanTheirs(f64),
}

impl Check {
    /// Whether `ours` meets it; `None` when the run cannot tell (no samples,
    /// no reference row).
    pub fn met(self, ours: &Value, theirs: Option<&Value>) -> Option<bool> {
        let ms = |micros: u64| micros as f64 / 1000.0;
        match (self, ours) {
            (_, Value::Latency { count: 0, .. }) => None,
            (Check::P50AtMostMs(limit), Value::Latency { p50, .. }) => Some(ms(*p50) <= limit),
            (Check::P99AtMostMs(limit), Value::Latency { p99, .. }) => Some(ms(*p99) <= limit),
            (Check::AtLeast(limit), Value::Number { value, .. }) => Some(*value >= limit),
            (Check::AtMost(limit), Value::Number { value, .. }) => Some(*value <= limit),
            (Check::TimesLowerThanTheirs(times), _) => {
                let (a, b) = (ours.key()?, theirs?.key()?);
                (b > 0.0).then_some(a * times <= b)
            }
            _ => None,
        }
    }
}

/// Issue 7's targets for a scenario's row (the README's table says the same).
pub fn targets(scenario: &str, row: &str) -> Vec<Target> {
    let t = |text, check| Target { text, check };
    match (scenario, row) {
        ("meeting", "edit → each other client") => vec![
            t("p99 ≤ 5 ms", Check::P99AtMostMs(5.0)),
            t(
                "p99 ≤ the reference's (issue 15)",
                Check::TimesLowerThanTheirs(1.0),
            ),
            t(
                "p99 ≥ 3× lower than the reference",
                Check::TimesLowerThanTheirs(3.0),
            ),
        ],
        ("meeting-cluster", "edit → each other client") => {
            vec![t(
                "p99 ≤ 10 ms on loopback (issue 14)",
                Check::P99AtMostMs(10.0),
            )]
        }
        ("meeting-cluster", "failover: longest edit → all") => {
            vec![t("failover ≤ 8 s (issue 14)", Check::AtMost(8.0))]
        }
        ("big-room", "edit → all observers") => vec![
            t("p99 ≤ 40 ms", Check::P99AtMostMs(40.0)),
            t(
                "p99 ≥ 3× lower than the reference",
                Check::TimesLowerThanTheirs(3.0),
            ),
        ],
        ("busy", "edit → each other client") => vec![
            t("p99 ≤ 10 ms", Check::P99AtMostMs(10.0)),
            t(
                "p99 ≤ the reference's (issue 15)",
                Check::TimesLowerThanTheirs(1.0),
            ),
        ],
        ("meetings", "edit → each other client") => vec![t(
            "p99 ≤ the reference's (issue 15)",
            Check::TimesLowerThanTheirs(1.0),
        )],
        ("meeting" | "meetings" | "busy", "server CPU s per 1,000 edits") => vec![t(
            "≤ 0.5× the reference's (issue 15)",
            Check::TimesLowerThanTheirs(2.0),
        )],
        ("join-storm", "connect → synced, each") => {
            vec![t("p50 ≤ 1 s", Check::P50AtMostMs(1000.0))]
        }
        ("durability", "updates/s seen (casebook: flushed)") => {
            vec![t("≥ 20,000 durable updates/s", Check::AtLeast(20_000.0))]
        }
        ("memory", "per connection") => vec![t("≤ 64 KB per connection", Check::AtMost(62.5))],
        ("memory", "kept per document after leaving") => vec![t(
            "an unloaded document costs no memory (≤ 1 KiB kept)",
            Check::AtMost(1.0),
        )],
        ("cold-load", "cold join (connect → synced)") => {
            vec![t("p50 ≤ 50 ms", Check::P50AtMostMs(50.0))]
        }
        (_, "server peak RSS") => vec![t(
            "peak RSS ≥ 3× lower than the reference",
            Check::TimesLowerThanTheirs(3.0),
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latency(p99_ms: u64) -> Value {
        let mut h = histogram();
        for _ in 0..100 {
            record(&mut h, Duration::from_millis(p99_ms));
        }
        Value::latency(&h)
    }

    #[test]
    fn checks_say_met_missed_or_cannot_tell() {
        assert_eq!(Check::P99AtMostMs(5.0).met(&latency(4), None), Some(true));
        assert_eq!(Check::P99AtMostMs(5.0).met(&latency(6), None), Some(false));
        assert_eq!(
            Check::P99AtMostMs(5.0).met(&Value::latency(&histogram()), None),
            None
        );
        assert_eq!(
            Check::AtLeast(20_000.0).met(&Value::number(19_999.0, "updates/s"), None),
            Some(false)
        );
        let ours = Value::number(30.0, "MiB");
        assert_eq!(Check::TimesLowerThanTheirs(3.0).met(&ours, None), None);
        assert_eq!(
            Check::TimesLowerThanTheirs(3.0).met(&ours, Some(&Value::number(90.0, "MiB"))),
            Some(true)
        );
        assert_eq!(
            Check::TimesLowerThanTheirs(3.0).met(&ours, Some(&Value::number(89.0, "MiB"))),
            Some(false)
        );
    }

    #[test]
    fn casebook_tables_print_each_target_with_its_verdict() {
        let mut ours = Report::new("meeting", "casebook");
        ours.push("edit → each other client", latency(2));
        ours.push("server peak RSS", Value::number(14.0, "MiB"));
        let mut theirs = Report::new("meeting", "reference (node)");
        theirs.push("edit → each other client", latency(3));
        theirs.push("server peak RSS", Value::number(65.0, "MiB"));
        let table = ours.table(Some(&theirs));
        assert!(table.contains("target: p99 ≤ 5 ms → met"), "{table}");
        assert!(
            table.contains("target: p99 ≥ 3× lower than the reference → MISSED"),
            "{table}"
        );
        assert!(
            table.contains("target: peak RSS ≥ 3× lower than the reference → met"),
            "{table}"
        );
        // The reference server's own table carries no targets.
        assert!(!theirs.table(None).contains("target:"));
    }
}

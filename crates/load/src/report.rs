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

/// CPU use of the load tool and the server over one measured window.
pub struct CpuWindow {
    started: Instant,
    own: Option<Duration>,
    server: Option<Duration>,
    server_pid: u32,
}

/// CPU used during a window, as a share of one core (1.0 = one core busy).
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuUse {
    pub own: f64,
    pub server: f64,
    pub wall: Duration,
}

impl CpuWindow {
    pub fn start(server_pid: u32) -> Self {
        CpuWindow {
            started: Instant::now(),
            own: cpu_time(None),
            server: cpu_time(Some(server_pid)),
            server_pid,
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

    /// The table, with ours/theirs ratios when `other` measured the same rows.
    pub fn table(&self, other: Option<&Report>) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "\n== {} — {} ==", self.scenario, self.server);
        for (name, value) in &self.rows {
            let _ = write!(out, "  {name:<34} {value}");
            if let Some(theirs) = other.and_then(|o| o.get(name)) {
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
        }
        out
    }
}

//! Limits a network service needs so that one client cannot hold every slot:
//! per-source-address caps ([`PerSource`]) for TCP connections and UDP bindings, and a
//! rate-limited log line ([`RateLog`]) for when a limit bites.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Counts of live connections (or bindings) per source address, capped at `max` each.
#[derive(Debug)]
pub struct PerSource {
    max: usize,
    counts: Mutex<HashMap<IpAddr, usize>>,
}

/// One slot of a source address; released on drop.
#[derive(Debug)]
pub struct SourcePermit {
    owner: Arc<PerSource>,
    ip: IpAddr,
}

impl PerSource {
    /// A table allowing `max` live slots per address (at least 1).
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(PerSource {
            max: max.max(1),
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// The cap per address.
    pub fn max(&self) -> usize {
        self.max
    }

    /// A slot for `ip`, or `None` when it already holds `max`. IPv4-mapped IPv6
    /// addresses count as their IPv4 address.
    pub fn try_acquire(self: &Arc<Self>, ip: IpAddr) -> Option<SourcePermit> {
        let ip = ip.to_canonical();
        let mut m = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let n = m.entry(ip).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(SourcePermit {
            owner: self.clone(),
            ip,
        })
    }

    /// Live slots of `ip`.
    #[cfg(test)]
    pub fn count(&self, ip: IpAddr) -> usize {
        let m = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        m.get(&ip.to_canonical()).copied().unwrap_or(0)
    }

    /// Addresses holding at least one slot (the table never keeps empty entries).
    #[cfg(test)]
    pub fn sources(&self) -> usize {
        self.counts.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl Drop for SourcePermit {
    fn drop(&mut self) {
        let mut m = self.owner.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

/// A log line printed at most once per interval; the occurrences in between are counted
/// and reported with the next line.
#[derive(Debug)]
pub struct RateLog {
    interval: Duration,
    last: Mutex<Option<Instant>>,
    suppressed: AtomicU64,
}

impl RateLog {
    /// At most one line per `interval`.
    pub fn new(interval: Duration) -> Self {
        RateLog {
            interval,
            last: Mutex::new(None),
            suppressed: AtomicU64::new(0),
        }
    }

    /// Whether to print now: `Some(n)` with the number of occurrences not printed since
    /// the last line, or `None` (counted) when a line was printed within the interval.
    pub fn allow(&self) -> Option<u64> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if last.is_some_and(|t| now.duration_since(t) < self.interval) {
            self.suppressed.fetch_add(1, Relaxed);
            return None;
        }
        *last = Some(now);
        Some(self.suppressed.swap(0, Relaxed))
    }
}

/// " (N more since the last such line)" or nothing.
pub fn more(n: u64) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" ({n} more since the last such line)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));

    #[test]
    fn caps_each_source_and_releases_on_drop() {
        let t = PerSource::new(3);
        let held: Vec<_> = (0..3).map(|_| t.try_acquire(A).expect("slot")).collect();
        assert!(t.try_acquire(A).is_none(), "a fourth slot for A");
        let b = t.try_acquire(B).expect("B is not limited by A");
        assert_eq!((t.count(A), t.count(B), t.sources()), (3, 1, 2));
        drop(held);
        assert_eq!(t.count(A), 0);
        assert_eq!(t.sources(), 1, "an empty entry stays in the table");
        assert!(t.try_acquire(A).is_some());
        drop(b);
        assert_eq!(t.sources(), 0);
    }

    #[test]
    fn mapped_ipv6_counts_as_ipv4() {
        let t = PerSource::new(1);
        let _a = t.try_acquire(A).unwrap();
        let mapped = IpAddr::V6(Ipv4Addr::new(127, 0, 0, 2).to_ipv6_mapped());
        assert!(t.try_acquire(mapped).is_none());
        assert!(t.try_acquire(IpAddr::V6(Ipv6Addr::LOCALHOST)).is_some());
    }

    #[test]
    fn zero_means_one() {
        let t = PerSource::new(0);
        assert_eq!(t.max(), 1);
        let _a = t.try_acquire(A).unwrap();
        assert!(t.try_acquire(A).is_none());
    }

    #[test]
    fn rate_log_prints_once_per_interval_and_counts_the_rest() {
        let r = RateLog::new(Duration::from_millis(200));
        assert_eq!(r.allow(), Some(0));
        assert_eq!(r.allow(), None);
        assert_eq!(r.allow(), None);
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(r.allow(), Some(2));
        assert_eq!(more(2), " (2 more since the last such line)");
        assert_eq!(more(0), "");
    }
}

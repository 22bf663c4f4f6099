//! `--probe-cache FILE`: measurements kept between runs, so a pipeline
//! measures its backends once a day rather than on every check. A
//! measurement is reused for the same address, request and TLS for a day,
//! then taken again.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::{time, IdleClose, Observed, Options, Target};

/// How long a measurement is reused.
pub const FRESH_FOR: Duration = Duration::from_secs(24 * 3600);

/// The file's contents.
#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    version: u32,
    measurements: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// Address, TLS, method, path and Host: what was measured.
    key: String,
    measured_at: u64,
    measured_at_utc: String,
    idle: Idle,
    status: u16,
    version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keep_alive: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    served: Option<u32>,
}

/// [`IdleClose`] as the file keeps it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Idle {
    After { ms: u64 },
    EachResponse { announced: bool },
    StillOpen { ms: u64 },
}

/// The measurements of a cache file.
#[derive(Debug)]
pub struct Cache {
    path: PathBuf,
    file: File,
    changed: bool,
}

fn key(target: &Target, options: &Options) -> String {
    format!(
        "{}{} {} {} host={} requests={}",
        if target.tls { "tls " } else { "" },
        target.address,
        options.method,
        options.path,
        options.host.as_deref().unwrap_or(&target.host),
        options.requests.max(1)
    )
}

impl Cache {
    /// Read the cache at `path` (none there yet: empty).
    pub fn load(path: &Path) -> anyhow::Result<Cache> {
        let file = match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .with_context(|| format!("{}: not an ngxfix probe cache", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => File {
                version: 1,
                measurements: Vec::new(),
            },
            Err(e) => return Err(e).with_context(|| path.display().to_string()),
        };
        Ok(Cache {
            path: path.to_path_buf(),
            file,
            changed: false,
        })
    }

    /// A measurement of `target` taken less than [`FRESH_FOR`] before `now`.
    pub fn get(&self, target: &Target, options: &Options, now: SystemTime) -> Option<Observed> {
        let key = key(target, options);
        let entry = self.file.measurements.iter().find(|e| e.key == key)?;
        let at = time::from_epoch_secs(entry.measured_at);
        if now.duration_since(at).ok()? >= FRESH_FOR {
            return None;
        }
        Some(Observed {
            idle: match entry.idle {
                Idle::After { ms } => IdleClose::After(Duration::from_millis(ms)),
                Idle::EachResponse { announced } => IdleClose::EachResponse { announced },
                Idle::StillOpen { ms } => IdleClose::StillOpen(Duration::from_millis(ms)),
            },
            status: entry.status,
            version: entry.version.clone(),
            keep_alive: entry.keep_alive.clone(),
            served: entry.served,
            measured_at: at,
        })
    }

    /// Keep a new measurement (replacing an older one of the same target).
    pub fn put(&mut self, target: &Target, options: &Options, observed: &Observed) {
        let key = key(target, options);
        self.file.measurements.retain(|e| e.key != key);
        self.file.measurements.push(Entry {
            key,
            measured_at: time::epoch_secs(observed.measured_at),
            measured_at_utc: time::utc(observed.measured_at),
            idle: match observed.idle {
                IdleClose::After(d) => Idle::After {
                    ms: d.as_millis() as u64,
                },
                IdleClose::EachResponse { announced } => Idle::EachResponse { announced },
                IdleClose::StillOpen(d) => Idle::StillOpen {
                    ms: d.as_millis() as u64,
                },
            },
            status: observed.status,
            version: observed.version.clone(),
            keep_alive: observed.keep_alive.clone(),
            served: observed.served,
        });
        self.changed = true;
    }

    /// Write the file back if something changed: beside it, then renamed
    /// over it.
    pub fn save(&self) -> anyhow::Result<()> {
        if !self.changed {
            return Ok(());
        }
        let mut text = serde_json::to_vec_pretty(&self.file)?;
        text.push(b'\n');
        crate::write::own::replace(&self.path, &text).context("saving the probe cache")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::address::Address;

    fn local_target() -> Target {
        Target {
            address: Address::Tcp("127.0.0.1:8000".parse().unwrap()),
            host: "127.0.0.1".into(),
            tls: false,
        }
    }

    #[test]
    fn a_measurement_is_reused_for_a_day_then_taken_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("probe.json");
        let target = local_target();
        let options = Options::default();
        let at = time::from_epoch_secs(1_796_643_005);
        let observed = Observed {
            idle: IdleClose::After(Duration::from_millis(2004)),
            status: 200,
            version: "HTTP/1.1".into(),
            keep_alive: Some("timeout=2".into()),
            served: None,
            measured_at: at,
        };
        let mut cache = Cache::load(&path).unwrap();
        assert!(cache.get(&target, &options, at).is_none());
        cache.put(&target, &options, &observed);
        cache.save().unwrap();
        let cache = Cache::load(&path).unwrap();
        let hour = Duration::from_secs(3600);
        assert_eq!(cache.get(&target, &options, at + hour), Some(observed));
        assert!(cache.get(&target, &options, at + FRESH_FOR).is_none());
        let head = Options {
            method: "HEAD".into(),
            ..Options::default()
        };
        assert!(
            cache.get(&target, &head, at + hour).is_none(),
            "another request is another measurement"
        );
        std::fs::write(&path, "{").unwrap();
        assert!(Cache::load(&path).is_err());
    }

    #[test]
    fn a_measurement_reads_back_from_the_cache_as_it_was_said() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("probe.json");
        let target = local_target();
        let options = Options::default();
        let at = time::from_epoch_secs(1_796_643_005);
        // 1005.7 ms printed as 1.01 s when measured and, cut to 1005 ms
        // by the cache, as 1.00 s when read back.
        for micros in [1_005_700, 999_999, 2_004_500, 75_000_001] {
            let closed = Some(Duration::from_micros(micros));
            let idle = super::super::idle_close(closed, false, Duration::from_secs(90));
            let IdleClose::After(measured) = idle else {
                panic!("{micros} us: {idle:?}");
            };
            let observed = Observed {
                idle,
                status: 200,
                version: "HTTP/1.1".into(),
                keep_alive: None,
                served: None,
                measured_at: at,
            };
            let mut cache = Cache::load(&path).unwrap();
            cache.put(&target, &options, &observed);
            cache.save().unwrap();
            let back = Cache::load(&path).unwrap().get(&target, &options, at);
            let Some(Observed {
                idle: IdleClose::After(cached),
                ..
            }) = back
            else {
                panic!("{micros} us: {back:?}");
            };
            assert_eq!(
                super::super::seconds(cached),
                super::super::seconds(measured)
            );
            assert_eq!(cached, measured);
        }
    }
}

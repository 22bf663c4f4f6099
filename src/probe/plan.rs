//! Which addresses to measure for a configuration: the servers of the
//! `upstream{}` blocks its `*_pass` directives reach, and what one
//! upstream's measurements say together.

use std::time::Duration;

use super::address::{self, Address};
use super::{time, IdleClose, Observed, ProbeError, Target};
use crate::backends::kinds::Idle;
use crate::model::reuse::reached_upstreams;
use crate::model::Model;

/// One upstream to measure.
#[derive(Debug)]
pub struct Planned {
    pub name: String,
    /// `file:line` of its block.
    pub at: String,
    /// Whether a pass reaching it can reuse connections (its idle timeout
    /// matters to the 502s).
    pub reused: bool,
    pub servers: Vec<PlannedServer>,
}

/// One `server` of an upstream: as written, and where it resolves.
#[derive(Debug)]
pub struct PlannedServer {
    pub written: String,
    pub targets: Result<Vec<Target>, ProbeError>,
}

/// The upstreams of `model` that `chosen` keeps (by name and whether
/// their connections can be reused), with their servers resolved.
pub fn plan(
    model: &Model<'_>,
    chosen: &dyn Fn(&str, bool) -> bool,
    allow_public: bool,
) -> Vec<Planned> {
    reached_upstreams(model)
        .into_iter()
        .filter_map(|reached| {
            let block = reached.upstream.block;
            let name = block.arg(0)?.value().into_owned();
            if !chosen(&name, reached.reused) {
                return None;
            }
            // nginx sends nothing to a server marked `down`.
            let servers = reached
                .upstream
                .servers
                .iter()
                .filter(|server| !server.args().any(|a| a.value() == "down"))
                .filter_map(|server| server.arg(0).map(|a| a.value().into_owned()))
                .map(|written| PlannedServer {
                    targets: targets(&written, reached.tls, allow_public),
                    written,
                })
                .collect();
            Some(Planned {
                name,
                at: format!("{}:{}", block.path(), block.line_col().line),
                reused: reached.reused,
                servers,
            })
        })
        .collect()
}

/// The addresses behind one `server` argument (or `--target`).
pub fn targets(written: &str, tls: bool, allow_public: bool) -> Result<Vec<Target>, ProbeError> {
    let (host, addresses) = address::resolve(written, tls, allow_public)?;
    Ok(addresses
        .into_iter()
        .map(|address| Target {
            address,
            host: host.clone(),
            tls,
        })
        .collect())
}

/// What one upstream's servers showed together: the most dangerous
/// behaviour wins (a silent close after every response; else the
/// shortest idle timeout; a close announced after every response only
/// when every server does that), with the address that showed it and how
/// many addresses disagreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub idle: IdleClose,
    pub address: Address,
    pub measured_at: std::time::SystemTime,
    /// Addresses measured, and how many showed something else.
    pub measured: usize,
    pub others: usize,
}

impl Verdict {
    /// Of the measurements of one upstream's addresses; `None` when none
    /// could be measured.
    pub fn of<'a>(
        measured: impl IntoIterator<Item = (&'a Address, &'a Observed)>,
    ) -> Option<Verdict> {
        let measured: Vec<(&Address, &Observed)> = measured.into_iter().collect();
        let rank = |idle: &IdleClose| match *idle {
            IdleClose::EachResponse { announced: false } => (0, Duration::ZERO),
            IdleClose::After(d) => (1, d),
            IdleClose::StillOpen(d) => (1, d),
            IdleClose::EachResponse { announced: true } => (2, Duration::ZERO),
        };
        let (address, observed) = measured.iter().min_by_key(|(_, o)| rank(&o.idle))?;
        let others = measured
            .iter()
            .filter(|(_, o)| o.idle.describe() != observed.idle.describe())
            .count();
        Some(Verdict {
            idle: observed.idle,
            address: (*address).clone(),
            measured_at: observed.measured_at,
            measured: measured.len(),
            others,
        })
    }

    /// The backend's idle behaviour for the rules.
    pub fn idle(&self) -> Idle {
        self.idle.idle()
    }

    /// Where the value came from, for the findings' messages.
    pub fn detail(&self) -> String {
        let mut detail = format!(
            "measured: {} on {} at {}",
            self.idle.describe(),
            self.address,
            time::utc(self.measured_at)
        );
        if self.others > 0 {
            detail.push_str(&format!(
                "; the shortest of {} addresses, {} of which showed longer",
                self.measured, self.others
            ));
        }
        detail
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    fn observed(idle: IdleClose) -> Observed {
        Observed {
            idle,
            status: 200,
            version: "HTTP/1.1".into(),
            keep_alive: None,
            served: None,
            measured_at: SystemTime::UNIX_EPOCH,
        }
    }

    fn address(port: u16) -> Address {
        Address::Tcp(([127, 0, 0, 1], port).into())
    }

    #[test]
    fn the_most_dangerous_address_speaks_for_the_upstream() {
        let (a, b, c) = (address(1), address(2), address(3));
        let two = observed(IdleClose::After(Duration::from_millis(2004)));
        let five = observed(IdleClose::After(Duration::from_secs(5)));
        let open = observed(IdleClose::StillOpen(Duration::from_secs(75)));
        let verdict = Verdict::of([(&a, &five), (&b, &two), (&c, &open)]).unwrap();
        assert_eq!(
            (&verdict.address, verdict.measured, verdict.others),
            (&b, 3, 2)
        );
        assert_eq!(
            verdict.idle(),
            Idle::After(crate::model::units::Duration::from_millis(2000))
        );
        assert!(
            verdict
                .detail()
                .ends_with("; the shortest of 3 addresses, 2 of which showed longer"),
            "{}",
            verdict.detail()
        );

        // A silent close after every response beats any timeout; a close
        // announced after every response counts only when all do that.
        let silent = observed(IdleClose::EachResponse { announced: false });
        let announced = observed(IdleClose::EachResponse { announced: true });
        assert_eq!(
            Verdict::of([(&a, &two), (&b, &silent)]).unwrap().idle(),
            Idle::AfterEachResponse
        );
        assert_eq!(
            Verdict::of([(&a, &announced), (&b, &five)])
                .unwrap()
                .address,
            b
        );
        assert_eq!(
            Verdict::of([(&a, &announced)]).unwrap().idle(),
            Idle::NoKeepalive
        );
        assert!(Verdict::of(std::iter::empty()).is_none());
    }

    #[test]
    fn the_servers_of_the_upstreams_passes_reach_are_planned() {
        let text = "http {\n upstream a { server 127.0.0.1:8000; server 127.0.0.1:8001 down; server unix:/run/a.sock; }\n upstream b { server 10.0.0.2; }\n upstream unused { server 127.0.0.1:9; }\n upstream public { server 8.8.8.8:80; }\n server {\n  location / { proxy_pass http://a; }\n  location /b/ { proxy_pass https://b; proxy_http_version 1.0; }\n  location /p/ { proxy_pass http://public; }\n }\n}\n";
        let tree = crate::config::ConfigTree::load_dump(vec![crate::config::dump::DumpedFile {
            path: "nginx.conf".into(),
            text: text.as_bytes().to_vec(),
        }])
        .unwrap();
        let model = Model::new(&tree, crate::model::Version::new(1, 30, 0));
        let planned = plan(&model, &|_, _| true, false);
        let names: Vec<&str> = planned.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "public"]);
        let written: Vec<&str> = planned[0]
            .servers
            .iter()
            .map(|s| s.written.as_str())
            .collect();
        assert_eq!(
            written,
            ["127.0.0.1:8000", "unix:/run/a.sock"],
            "a `down` server is left out"
        );
        assert!(planned[0].reused && !planned[1].reused);
        let b = planned[1].servers[0].targets.as_ref().unwrap();
        assert_eq!(
            (b[0].tls, b[0].address.to_string()),
            (true, "10.0.0.2:443".to_string())
        );
        assert!(matches!(
            planned[2].servers[0].targets,
            Err(ProbeError::Public(_))
        ));
        let only_b = plan(&model, &|name, _| name == "b", false);
        assert_eq!(only_b.len(), 1);
    }

    #[test]
    fn a_measured_time_is_rounded_down_and_an_open_one_is_a_floor() {
        let ms = |n| Idle::After(crate::model::units::Duration::from_millis(n));
        assert_eq!(
            IdleClose::After(Duration::from_millis(2999)).idle(),
            ms(2900)
        );
        assert_eq!(IdleClose::After(Duration::from_millis(757)).idle(), ms(750));
        assert_eq!(IdleClose::After(Duration::from_millis(3)).idle(), ms(1));
        assert_eq!(
            IdleClose::StillOpen(Duration::from_secs(75)).idle(),
            ms(75_000)
        );
    }
}

//! Conditions that compare the subject with the rest of the tree:
//! `anywhere` (some directive of the configuration matches) and `peers`
//! (the other directives sharing the subject's key: duplicate locations,
//! servers on one socket). Both would cost a walk of the tree per
//! subject; their answers are kept for the run in a [`Memo`].

use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::FxHashMap;

use super::matcher::{Env, Matcher, Subject};
use super::schema::{List, Peers, ValueTest};
use super::template::Template;
use crate::model::{Node, NodeId, ValueKind};
use crate::par::once;

/// Answers about the whole tree, found on first use and kept for the run.
/// Keyed by the address of the condition asking (or, for `peers` groups
/// shared within a rule, of the rule's parameters): a rule's conditions
/// live as long as the run and always see the same parameters.
#[derive(Default)]
pub(crate) struct Memo {
    anywhere: Mutex<FxHashMap<usize, Arc<OnceLock<bool>>>>,
    /// Per grouping, directive name and searched block (`None`: the whole
    /// tree): each directive's group.
    groups: Mutex<FxHashMap<GroupsKey, Arc<OnceLock<Groups>>>>,
    /// Per `upstream` condition and `upstream{}` block: whether the block
    /// matches. Thousands of `proxy_pass` reach a few upstreams.
    upstreams: Mutex<FxHashMap<(usize, NodeId), bool>>,
}

/// Which groups: the grouping ([`Grouping`]), the name of the directives
/// grouped and the block searched.
type GroupsKey = (Grouping, String, Option<NodeId>);

/// What makes a `peers` condition's groups. Conditions of one rule with
/// the same key and `within` and no `match` filter group alike (a rule
/// asking two questions of the servers on each socket), so they share
/// their groups; otherwise the condition's address names its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Grouping {
    /// The rule's parameters (their address) and the key and `within`.
    Shared(usize, Arc<str>),
    /// The condition's address.
    Own(usize),
}

/// The groups of the directives of one name in one block: for each
/// directive, the index of its group, and the groups' members in tree
/// order.
#[derive(Default)]
struct Groups {
    of: FxHashMap<NodeId, usize>,
    members: Vec<Vec<NodeId>>,
    /// Per condition asking (its address) and group, found on first use:
    /// the number of blocks holding the group's members, and whether one
    /// of them matches the condition's `none`. Asked by every member, so a
    /// group of thousands of `listen 80` is walked once.
    facts: Mutex<FxHashMap<usize, GroupFacts>>,
}

/// Per group: the number of blocks holding its members, and whether one of
/// them matches a condition's `none`; each found on first use.
type GroupFacts = Arc<[OnceLock<(usize, bool)>]>;

impl Memo {
    /// Whether some directive of the tree matches `cond`.
    pub(crate) fn anywhere(&self, cond: &Matcher, env: &Env<'_>) -> bool {
        let key = cond as *const Matcher as usize;
        let answer = lock(&self.anywhere).entry(key).or_default().clone();
        *once(&answer, || {
            cond.candidates(env.model, env.refusals)
                .iter()
                .any(|&id| cond.matches(env.model.node(id), env))
        })
    }

    /// Whether `upstream` matches `cond`, the `upstream` condition of a
    /// rule: worked out once per block and run for a subject linked to
    /// nothing (a `defined_by` link may change the answer).
    pub(crate) fn upstream(&self, cond: &Matcher, upstream: Node<'_>, env: &Env<'_>) -> bool {
        if !env.is_direct() {
            return cond.matches(upstream, env);
        }
        let key = (cond as *const Matcher as usize, upstream.id());
        if let Some(&known) = lock(&self.upstreams).get(&key) {
            return known;
        }
        // Not held while matching: the condition may ask the memo again.
        let answer = cond.matches(upstream, env);
        lock(&self.upstreams).insert(key, answer);
        answer
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A compiled `peers` condition.
#[derive(Debug, Clone)]
pub(crate) struct PeersCheck {
    key: Template,
    within: Vec<String>,
    filter: Option<Matcher>,
    blocks: Option<ValueTest>,
    count: Option<ValueTest>,
    none: Option<Matcher>,
    first: Option<bool>,
    /// The key and `within`, for a condition whose groups may be shared.
    shared: Option<Arc<str>>,
}

impl PeersCheck {
    pub(crate) fn new(peers: Peers) -> Self {
        let List(within) = peers.within;
        let shared = peers
            .filter
            .is_none()
            .then(|| Arc::from(format!("{}\n{}", peers.key.source(), within.join(" "))));
        PeersCheck {
            shared,
            key: peers.key,
            within,
            filter: peers.filter.map(|c| Matcher::new(*c)),
            blocks: peers.blocks,
            count: peers.count,
            none: peers.none.map(|c| Matcher::new(*c)),
            first: peers.first,
        }
    }

    /// Whether the subject's group passes the tests.
    pub(crate) fn passes(&self, node: Node<'_>, env: &Env<'_>) -> bool {
        let scope = if self.within.is_empty() {
            None
        } else {
            match node
                .ancestors()
                .find(|a| self.within.iter().any(|w| w == a.name()))
            {
                Some(block) => Some(block.id()),
                None => return false,
            }
        };
        let groups = self.groups(node.name(), scope, env);
        let groups = groups.get().expect("made by PeersCheck::groups");
        let Some(&index) = groups.of.get(&node.id()) else {
            return false;
        };
        let members = &groups.members[index];
        let model = env.model;
        if self
            .first
            .is_some_and(|f| f != (members.first() == Some(&node.id())))
        {
            return false;
        }
        // The group's block count and `none` answer, found once for it:
        // every member asks, and a group may be thousands of `listen 80`.
        let facts = || {
            let mine = lock(&groups.facts)
                .entry(self as *const PeersCheck as usize)
                .or_insert_with(|| groups.members.iter().map(|_| OnceLock::new()).collect())
                .clone();
            *once(&mine[index], || {
                let mut parents: Vec<Option<NodeId>> = members
                    .iter()
                    .map(|&id| model.node(id).parent().map(|p| p.id()))
                    .collect();
                parents.sort_unstable();
                parents.dedup();
                let some_matches = self.none.as_ref().is_some_and(|none| {
                    members.iter().any(|&id| none.matches(model.node(id), env))
                });
                (parents.len(), some_matches)
            })
        };
        let subject = Subject { env, node };
        let passes = |test: &ValueTest, n: usize| {
            super::matcher::value_passes(
                test,
                Some(&n.to_string()),
                Some(ValueKind::Number),
                &subject,
            )
        };
        self.count.as_ref().is_none_or(|t| passes(t, members.len()))
            && self.blocks.as_ref().is_none_or(|t| passes(t, facts().0))
            && (self.none.is_none() || !facts().1)
    }

    /// The groups of the directives named `name` under `scope`, made once.
    fn groups(&self, name: &str, scope: Option<NodeId>, env: &Env<'_>) -> Arc<OnceLock<Groups>> {
        let grouping = match &self.shared {
            Some(shared) => Grouping::Shared(env.params as *const _ as usize, shared.clone()),
            None => Grouping::Own(self as *const PeersCheck as usize),
        };
        let key = (grouping, name.to_string(), scope);
        let groups = lock(&env.memo.groups).entry(key).or_default().clone();
        once(&groups, || self.make_groups(name, scope, env));
        groups
    }

    fn make_groups(&self, name: &str, scope: Option<NodeId>, env: &Env<'_>) -> Groups {
        let model = env.model;
        let inside = |node: Node<'_>| match scope {
            None => true,
            Some(scope) => node.ancestors().any(|a| a.id() == scope),
        };
        let mut keys: FxHashMap<String, usize> = FxHashMap::default();
        let mut groups = Groups::default();
        for node in model.named(name) {
            if !inside(node) || self.filter.as_ref().is_some_and(|f| !f.matches(node, env)) {
                continue;
            }
            let Ok(rendered) = self.key.render(&Subject { env, node }) else {
                continue;
            };
            let next = groups.members.len();
            let index = *keys.entry(rendered).or_insert(next);
            if index == next {
                groups.members.push(Vec::new());
            }
            groups.members[index].push(node.id());
            groups.of.insert(node.id(), index);
        }
        groups
    }
}

/// The socket a `listen` directive opens, written one way for the
/// spellings nginx takes as the same (`80`, `*:80`, `0.0.0.0:80`; a
/// missing port is 80): `ADDRESS:PORT`, with ` udp` for a datagram socket
/// (`quic` listens on UDP). `None` for what is not a `listen` or names no
/// port nginx would accept.
pub(crate) fn listen_socket(node: Node<'_>) -> Option<String> {
    if node.name() != "listen" {
        return None;
    }
    let address = node.arg(0)?.value().to_ascii_lowercase();
    let udp = node.args().skip(1).any(|a| {
        let flag = a.value();
        flag.eq_ignore_ascii_case("udp") || flag.eq_ignore_ascii_case("quic")
    });
    let suffix = if udp { " udp" } else { "" };
    if address.starts_with("unix:") {
        return Some(format!("{address}{suffix}"));
    }
    // Every listen of a large configuration is asked: slices of the one
    // lowercase copy, not a string per part.
    let (host, port): (std::borrow::Cow<'_, str>, &str) =
        if let Some(v6) = address.strip_prefix('[') {
            let (host, rest) = v6.split_once(']')?;
            let host = match host.parse::<std::net::Ipv6Addr>() {
                Ok(parsed) => format!("[{parsed}]"),
                Err(_) => format!("[{host}]"),
            };
            (host.into(), rest.strip_prefix(':').unwrap_or(rest))
        } else if address.bytes().all(|b| b.is_ascii_digit()) {
            ("*".into(), &address)
        } else {
            match address.rsplit_once(':') {
                Some((host, port)) => (host.into(), port),
                None => (address.as_str().into(), ""),
            }
        };
    let host = if host.is_empty() || host == "0.0.0.0" {
        "*".into()
    } else {
        host
    };
    let port = if port.is_empty() { "80" } else { port };
    port.parse::<u16>().ok()?;
    Some(format!("{host}:{port}{suffix}"))
}

#[cfg(test)]
mod tests {
    use crate::model::{Model, Version};

    #[test]
    fn listen_sockets_are_written_one_way() {
        let conf = "http { server { listen 80; listen *:80; listen 0.0.0.0:80; listen 127.0.0.1; \
                    listen [0:0::0]:443 ssl; listen 443 quic; listen unix:/run/a.sock; listen 127.0.0.1:99999; } }\n";
        let tree = crate::config::from_texts(&[("/etc/nginx/nginx.conf", conf)]);
        let model = Model::new(&tree, Version::new(1, 29, 6));
        let sockets: Vec<Option<String>> =
            model.named("listen").map(super::listen_socket).collect();
        let want = [
            "*:80",
            "*:80",
            "*:80",
            "127.0.0.1:80",
            "[::]:443",
            "*:443 udp",
            "unix:/run/a.sock",
        ];
        for (got, want) in sockets.iter().zip(want) {
            assert_eq!(got.as_deref(), Some(want));
        }
        assert_eq!(sockets[7], None, "no port nginx takes");
    }

    /// The lines a rule made of `cond` (TOML) finds in `conf`.
    fn lines(conf: &str, cond: &str) -> Vec<u32> {
        use crate::rules::load::{parse, RuleOrigin};
        let text = format!(
            "id = \"t\"\ntitle = \"t\"\nseverity = \"info\"\nexplain = \"t\"\n[match]\n{cond}\n"
        );
        let rule = parse(&text, RuleOrigin::Builtin("t.toml")).expect("a rule");
        let tree = crate::config::from_texts(&[("/etc/nginx/nginx.conf", conf)]);
        let model = Model::new(&tree, Version::new(1, 29, 6));
        crate::rules::engine::run(&[rule], &model, &Default::default())
            .iter()
            .map(|f| f.start.line)
            .collect()
    }

    #[test]
    fn peers_group_each_directive_name_apart_and_share_alike_groupings() {
        let conf = "http {\n\
                    server { listen 80; server_name a; }\n\
                    server { listen 80; server_name a; }\n\
                    server { listen 81 default_server; server_name b; }\n\
                    server { listen 81; server_name c; }\n\
                    }\n";
        // One condition over two names: each name's directives are their
        // own groups (the second name asked used to find the first's).
        let twice = r#"directive = ["listen", "server_name"]
peers = { key = "{arg.0}", within = "http", count = { gt = 1 } }"#;
        assert_eq!(lines(conf, twice), [2, 2, 3, 3, 4, 5]);
        // Two conditions grouping alike, with different tests: the groups
        // are shared, each condition's answers are its own.
        let both = r#"directive = "listen"
any = [
    { peers = { key = "{listen.socket}", within = "http", none = { any_arg = { equals = "default_server" } }, first = true } },
    { peers = { key = "{listen.socket}", within = "http", none = { any_arg = { equals = "x" } }, first = true } },
]"#;
        assert_eq!(lines(conf, both), [2, 4]);
    }

    #[test]
    fn name_patterns() {
        use crate::rules::matcher::name_matches;
        assert!(name_matches("*_timeout", "proxy_read_timeout"));
        assert!(name_matches("proxy_*", "proxy_pass"));
        assert!(name_matches("*_pass", "grpc_pass"));
        assert!(name_matches("a*b*c", "abxbc"));
        assert!(!name_matches("*_timeout", "keepalive_timeouts"));
        assert!(!name_matches("proxy_*", "fastcgi_pass"));
        assert!(name_matches("listen", "listen") && !name_matches("listen", "listens"));
    }
}

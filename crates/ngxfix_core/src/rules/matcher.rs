//! Evaluating a rule's `match` conditions on a directive of the model.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::facts::{Backend, Facts, Idle, Origin, ServerKind};
use super::schema::{BackendTest, Cond, FrontTest, List, TargetKind, ValueTest};
use super::template::{compare, Scope, Template, Value};
use crate::model::accepts::{refusals, Known, Refusal, RefusalKind};
use crate::model::{
    directives, effective, pass_target, scope_of, Contexts, Duration, Model, Node, NodeId, Size,
    Target, TimeSlot, ValueKind, Version, VersionRange,
};
use crate::syntax::style::Styles;

/// What conditions are evaluated against: the configuration, the rule's
/// parameter values, and the declared facts.
pub(crate) struct Env<'m> {
    pub model: &'m Model<'m>,
    pub params: &'m BTreeMap<String, String>,
    pub facts: &'m Facts,
    /// File styles for rendering fixes, shared by all rules of a run.
    pub styles: &'m Styles,
    /// What `nginx -t` would refuse, found on first use and shared by all
    /// rules of a run.
    pub refusals: &'m Refusals<'m>,
    /// The backends the configuration hints at, likewise.
    pub guesses: &'m Guesses,
    /// Answers about the whole tree (`anywhere`, `peers`), likewise.
    pub memo: &'m super::relations::Memo,
    /// Inside `defined_by`, reached through a regex capture: the group the
    /// capture tests of `regex` are about.
    pub focus: Option<crate::model::definitions::Group>,
    /// How many `defined_by` links were followed to get here.
    pub depth: u8,
}

/// The most `defined_by` links followed in a row: `set $a $b; set $b $a;`
/// would loop.
const MOST_LINKS: u8 = 8;

impl<'m> Env<'m> {
    /// Whether the subject is the rule's own, not one reached through a
    /// `defined_by` link.
    pub(crate) fn is_direct(&self) -> bool {
        self.depth == 0 && self.focus.is_none()
    }

    /// The environment one `defined_by` link further, focused on `group`.
    fn linked(&self, group: Option<crate::model::definitions::Group>) -> Env<'m> {
        Env {
            model: self.model,
            params: self.params,
            facts: self.facts,
            styles: self.styles,
            refusals: self.refusals,
            guesses: self.guesses,
            memo: self.memo,
            focus: group,
            depth: self.depth + 1,
        }
    }
}

/// The backend each `upstream{}` block's configuration hints at
/// ([`crate::model::hints`]), found once per run on first use: most runs
/// declare no backend, and then every rule that asks about one asks here.
#[derive(Default)]
pub(crate) struct Guesses {
    found: std::sync::OnceLock<FxHashMap<NodeId, Backend>>,
}

impl Guesses {
    /// The guessed backend of `upstream`, if its configuration hints at one.
    fn of(&self, upstream: Node<'_>) -> Option<&Backend> {
        let model = upstream.model();
        crate::par::once(&self.found, || {
            model
                .named("upstream")
                .filter_map(|up| {
                    let passes: Vec<Node<'_>> = model
                        .passes_to(up.id())
                        .iter()
                        .map(|&id| model.node(id))
                        .collect();
                    let hint = crate::model::hints::backend_hint(up, &passes)?;
                    Some((up.id(), Backend::guessed(&hint)))
                })
                .collect()
        })
        .get(&upstream.id())
    }
}

/// The directives `nginx -t` would refuse in a model, found once.
pub(crate) struct Refusals<'m> {
    known: &'m Known,
    found: std::sync::OnceLock<FxHashMap<NodeId, Refusal>>,
}

impl<'m> Refusals<'m> {
    /// None found yet; `known` names directives to take as known.
    pub fn new(known: &'m Known) -> Self {
        Refusals {
            known,
            found: std::sync::OnceLock::new(),
        }
    }

    /// Every refused directive of `model` (the model of the run).
    pub fn all(&self, model: &Model<'_>) -> &FxHashMap<NodeId, Refusal> {
        // Matching runs in parallel and the scan does too: never wait.
        crate::par::once(&self.found, || refusals(model, self.known))
    }

    /// Why `node` would be refused, if it would.
    pub fn of(&self, node: Node<'_>) -> Option<&Refusal> {
        self.all(node.model()).get(&node.id())
    }
}

/// Template references resolved for one subject directive.
pub(crate) struct Subject<'e, 'm> {
    pub env: &'e Env<'m>,
    pub node: Node<'m>,
}

/// The `upstream{}` blocks a directive is about: itself, the one it sits
/// in, or those its `*_pass` reaches.
pub(crate) fn upstreams_of<'m>(node: Node<'m>) -> Vec<Node<'m>> {
    if node.name() == "upstream" && node.context() == Contexts::HTTP {
        return vec![node];
    }
    if let Some(up) = node
        .ancestors()
        .find(|a| a.name() == "upstream" && a.context() == Contexts::HTTP)
    {
        return vec![up];
    }
    match pass_target(node) {
        Some(Target::Upstream(ups)) => ups,
        _ => Vec::new(),
    }
}

fn upstream_name(up: Node<'_>) -> String {
    up.arg(0)
        .map(|a| a.value().into_owned())
        .unwrap_or_default()
}

/// The backend ngxfix takes for the upstreams the subject is about, with
/// the upstream it belongs to: the first declared one; else the first the
/// configuration hints at; else the one assumed for all. Asked for every
/// candidate of several rules, so names are only copied when something is
/// declared.
pub(super) fn known_backend<'m, 'e>(
    node: Node<'m>,
    env: &Env<'e>,
) -> Option<(Node<'m>, &'e Backend)> {
    let ups = upstreams_of(node);
    let declared = || {
        if env.facts.backends.is_empty() {
            return None;
        }
        ups.iter()
            .find_map(|&up| env.facts.backends.get(&upstream_name(up)).map(|b| (up, b)))
    };
    declared()
        .or_else(|| {
            ups.iter()
                .find_map(|&up| env.guesses.of(up).map(|b| (up, b)))
        })
        .or_else(|| {
            let up = *ups.first()?;
            env.facts.assumed.as_ref().map(|b| (up, b))
        })
}

/// Whether an `upstream{}` block keeps idle connections: `keepalive N`
/// with N > 0, or, from 1.29.7 where `keepalive 32 local` is implicit, no
/// `keepalive 0` (research notes §1).
pub(crate) fn pools(up: Node<'_>) -> bool {
    if up.name() != "upstream" || up.context() != Contexts::HTTP {
        return false;
    }
    match up.children_named("keepalive").last() {
        Some(keepalive) => keepalive
            .arg(0)
            .and_then(|a| a.value().parse::<u64>().ok())
            .is_some_and(|n| n > 0),
        None => up.model().version() >= Version::new(1, 29, 7),
    }
}

/// A configured value as its directive's kind reads it.
fn typed(text: &str, kind: Option<ValueKind>) -> Value {
    match kind {
        Some(ValueKind::Duration(slot)) => Duration::parse(text, slot)
            .map(Value::Duration)
            .unwrap_or_else(|_| Value::Text(text.into())),
        Some(ValueKind::Size) => Size::parse(text)
            .map(Value::Size)
            .unwrap_or_else(|_| Value::Text(text.into())),
        Some(ValueKind::Number) => text
            .parse()
            .map(Value::Number)
            .unwrap_or_else(|_| Value::Text(text.into())),
        _ => Value::Text(text.into()),
    }
}

fn kind_of(name: &str, context: Contexts) -> Option<ValueKind> {
    directives::lookup(name, context).map(|i| i.value)
}

impl Scope for Subject<'_, '_> {
    fn lookup(&self, path: &[String]) -> Option<Value> {
        let node = self.node;
        let key: Vec<&str> = path.iter().map(String::as_str).collect();
        match key.as_slice() {
            ["param", name] => self.env.params.get(*name).map(|v| Value::Text(v.clone())),
            ["arg", n] => {
                let index: usize = n.parse().ok()?;
                let kind = (index == 0)
                    .then(|| kind_of(node.name(), node.context()))
                    .flatten();
                node.arg(index).map(|a| typed(&a.value(), kind))
            }
            // As written, quotes kept: `{args}` is reused in fixes.
            ["args"] => Some(Value::Text(
                node.args()
                    .map(|a| a.raw().into_owned())
                    .collect::<Vec<_>>()
                    .join(" "),
            )),
            ["name"] => Some(Value::Text(node.name().to_string())),
            ["unknown_variable"] => unknown_variable(node).map(Value::Text),
            ["inconsistent_variable"] => {
                crate::model::variables::inconsistent(node).map(Value::Text)
            }
            ["upstream", "name"] => upstreams_of(node)
                .first()
                .map(|up| Value::Text(upstream_name(*up))),
            ["backend", "name"] => {
                known_backend(node, self.env).map(|(up, _)| Value::Text(upstream_name(up)))
            }
            ["backend", "idle_timeout"] => known_backend(node, self.env)
                .and_then(|(_, b)| b.idle_timeout())
                .map(Value::Duration),
            ["backend", "idle"] => {
                known_backend(node, self.env).map(|(_, b)| Value::Text(b.idle.to_string()))
            }
            ["backend", "kind"] => known_backend(node, self.env)
                .and_then(|(_, b)| b.kind)
                .map(|k| Value::Text(k.to_string())),
            // Where its file says so, how it was declared, or the hint.
            ["backend", "detail"] => known_backend(node, self.env)
                .map(|(_, b)| Value::Text(b.detail.clone().unwrap_or_else(|| b.source.clone()))),
            ["backend", "file"] => known_backend(node, self.env)
                .and_then(|(_, b)| b.file)
                .map(|i| Value::Text(self.env.facts.file(i).display())),
            // The kind's caveat (gunicorn: which worker the default assumes).
            ["backend", "note"] => known_backend(node, self.env)
                .and_then(|(_, b)| b.kind)
                .and_then(ServerKind::find)
                .filter(|k| !k.note.is_empty())
                .map(|k| Value::Text(k.note.to_string())),
            // The setting that holds its idle timeout, as the server names it.
            ["backend", "setting"] => known_backend(node, self.env)
                .and_then(|(_, b)| b.kind)
                .and_then(ServerKind::find)
                .map(|k| Value::Text(k.setting.to_string())),
            ["front_lb", "idle_timeout"] => self
                .env
                .facts
                .front
                .as_ref()
                .map(|f| Value::Duration(f.idle_timeout)),
            ["front_lb", "kind"] => self
                .env
                .facts
                .front
                .as_ref()
                .and_then(|f| f.kind)
                .map(|k| Value::Text(k.to_string())),
            ["effective", name] => {
                let block = scope_of(node);
                let value = effective(self.env.model, block, name);
                let kind = value.info.map(|i| i.value);
                value.compared_text().map(|v| typed(&v, kind))
            }
            ["default", name] => {
                let context = scope_of(node)
                    .and_then(|b| b.block_kind())
                    .unwrap_or(Contexts::MAIN);
                let info = directives::lookup(name, context)?;
                info.default_for(self.env.model.version())
                    .map(|v| typed(v, Some(info.value)))
            }
            ["nginx", "version"] => Some(Value::Text(self.env.model.version().to_string())),
            ["refused", what] => {
                let refusal = self.env.refusals.of(node)?;
                let text = match *what {
                    "message" => Some(refusal.message.clone()),
                    "hint" => Some(refusal.hint.clone()),
                    "module" => refusal.third_party.clone(),
                    _ => None,
                }?;
                Some(Value::Text(text))
            }
            ["regex", what] => super::regexes::reference(what, node),
            ["dropped", name] => {
                let lost = crate::model::dropped::dropped(node, name);
                (!lost.is_empty()).then(|| {
                    Value::Text(
                        lost.iter()
                            .filter_map(|n| n.arg(0).map(|a| a.value().into_owned()))
                            .collect::<Vec<_>>()
                            .join(", "),
                    )
                })
            }
            ["tree", name] => {
                let first = self.env.model.named(name).next()?;
                let kind = kind_of(first.name(), first.context());
                first.arg(0).map(|a| typed(&a.value(), kind))
            }
            ["listen", "socket"] => super::relations::listen_socket(node).map(Value::Text),
            ["parent", rest @ ..] if !rest.is_empty() => {
                let parent = Subject {
                    env: self.env,
                    node: node.parent()?,
                };
                parent.lookup(&path[1..])
            }
            ["include", "path"] => {
                let config = self.env.model.config();
                config
                    .skipped_include(node.file(), node.directive().index())
                    .map(|s| Value::Text(s.path.display().to_string()))
            }
            _ => None,
        }
    }
}

/// A `match` (or a variant's `when`) compiled once when its rule loads:
/// the checks its keys ask for, in the order they are evaluated. A key the
/// condition leaves out has no check, so matching a directive costs only
/// what the rule asks. The order is fixed here, not by the rule file: the
/// cheap tests on the directive itself come first, the ones that look
/// elsewhere in the tree (other blocks, upstreams, maps, facts) later, and
/// whether the subject reaches a pool last.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// The `directive` names: which directives can match at all (none: any).
    names: Vec<String>,
    checks: Vec<Check>,
    /// Where the directives it can match are, when its conditions tell.
    reach: Option<Reach>,
}

/// Where the directives a [`Matcher`] can match are, worked out from its
/// conditions when it is compiled: a superset, so that a rule without a
/// `directive` list of its own (an `any` whose alternatives each name
/// theirs, `context = "map"`, a `regex` test) looks at the few hundred
/// directives it can be about, not at all 300,000 of a large tree.
#[derive(Debug, Clone, Default)]
struct Reach {
    /// Directive names or `*` patterns.
    names: Vec<String>,
    /// Names of the blocks whose direct children can match (`main`: the
    /// top level).
    blocks: Vec<String>,
}

impl Reach {
    /// The reach of a matcher with `names` and `checks`; `None` when any
    /// directive can match. Every check must pass, so the first that
    /// narrows the search is enough.
    fn of(names: &[String], checks: &[Check]) -> Option<Reach> {
        if !names.is_empty() {
            return Some(Reach {
                names: names.to_vec(),
                blocks: Vec::new(),
            });
        }
        checks.iter().find_map(|check| match check {
            Check::Context(blocks) => Some(Reach {
                names: Vec::new(),
                blocks: blocks.clone(),
            }),
            Check::Regex(_) => Some(Reach {
                names: crate::model::pcre::REGEX_HOLDERS
                    .iter()
                    .map(|n| n.to_string())
                    .collect(),
                blocks: vec!["map".to_string()],
            }),
            Check::All(all) => all.iter().find_map(|m| m.reach.clone()),
            Check::Any(any) => any.iter().try_fold(Reach::default(), |mut union, m| {
                let reach = m.reach.as_ref()?;
                union.names.extend(reach.names.iter().cloned());
                union.blocks.extend(reach.blocks.iter().cloned());
                Some(union)
            }),
            _ => None,
        })
    }
}

/// One condition of a [`Matcher`]: one key of [`Cond`] (or one entry of a
/// list-valued key), with what it needs to be evaluated.
#[derive(Debug, Clone)]
enum Check {
    /// `directive`: the subject's name is one of these; `true` when some
    /// of them are `*` patterns.
    Directive(Vec<String>, bool),
    /// `context`: the enclosing block's name (`main` at the top level) is
    /// one of these.
    Context(Vec<String>),
    /// `within`: some enclosing block has one of these names.
    Within(Vec<String>),
    /// `not_within`: no enclosing block has any of these names.
    NotWithin(Vec<String>),
    /// `nginx`: the model's nginx version is in this range.
    Nginx(VersionRange),
    /// `refused`: `nginx -t` would refuse the subject for one of these.
    Refused(Vec<RefusalKind>),
    /// `third_party`: whether the subject is an unknown name a third-party
    /// module may define.
    ThirdParty(bool),
    /// `fragment`: whether the configuration is a fragment.
    Fragment(bool),
    /// `include_missing`: whether the subject is an include read past.
    IncludeMissing(bool),
    /// One test of `arg`.
    Arg(Box<ValueTest>),
    /// `any_arg`.
    AnyArg(Box<ValueTest>),
    /// `arg_count`.
    ArgCount(Box<ValueTest>),
    /// One entry of `has`.
    Has(Matcher),
    /// One entry of `lacks`.
    Lacks(Matcher),
    /// `effective`, in the order written: one check, so the block they are
    /// read in is found once.
    Effective(Vec<(String, ValueTest)>),
    /// `target`: the kinds a `*_pass` subject may reach.
    Target(Vec<TargetKind>),
    /// `upstream`.
    Upstream(Box<Matcher>),
    /// `map`.
    Map(Box<Matcher>),
    /// `used_by`.
    UsedBy(Box<Matcher>),
    /// `parent`.
    Parent(Box<Matcher>),
    /// `ancestor`.
    Ancestor(Box<Matcher>),
    /// `after`.
    After(Box<Matcher>),
    /// `before`.
    Before(Box<Matcher>),
    /// `backend`: one check, so the backend is looked up once.
    Backend(Box<BackendTest>),
    /// `front_lb`.
    FrontLb(Box<FrontTest>),
    /// `reached_by`.
    ReachedBy(Box<Matcher>),
    /// `reached_only_by`.
    ReachedOnlyBy(Box<Matcher>),
    /// `in_effect_at`: walks the subject's block, so after the tests that
    /// stay near the subject.
    InEffectAt(Box<Matcher>),
    /// `all`.
    All(Vec<Matcher>),
    /// `any` (never empty: an empty `any` has no check).
    Any(Vec<Matcher>),
    /// `not`.
    Not(Box<Matcher>),
    /// `reuses_connections`.
    ReusesConnections(bool),
    /// `unknown_variable`.
    UnknownVariable(bool),
    /// `sets_closing_connection`.
    SetsClosingConnection(bool),
    /// `regex`.
    Regex(Box<super::schema::RegexTest>),
    /// `drops`.
    Drops(Vec<String>),
    /// `anywhere`: the same answer for every subject, found once.
    Anywhere(Box<Matcher>),
    /// `peers`: groups found once per block they are searched in.
    Peers(Box<super::relations::PeersCheck>),
    /// `defined_by`.
    DefinedBy(Box<Matcher>),
    /// One test of `value`.
    Value(Box<ValueTest>),
    /// `inconsistent_variable`.
    InconsistentVariable(bool),
    /// `pooled`: the costliest test (the target, its upstream block, that
    /// block's settings), so it comes last.
    Pooled(bool),
}

impl Matcher {
    /// Compile `cond`.
    pub(crate) fn new(cond: Cond) -> Self {
        let boxed = |c: Box<Cond>| Box::new(Matcher::new(*c));
        // A list key left empty asks nothing.
        fn listed<T>(list: List<T>) -> Option<Vec<T>> {
            Some(list.0).filter(|l| !l.is_empty())
        }
        let names = cond.directive.0;
        let mut checks = Vec::new();
        if !names.is_empty() {
            // Most lists have no pattern: compared as they are, without
            // looking for a `*` per directive.
            let patterns = names.iter().any(|n| n.contains('*'));
            checks.push(Check::Directive(names.clone(), patterns));
        }
        checks.extend(listed(cond.context).map(Check::Context));
        checks.extend(listed(cond.within).map(Check::Within));
        checks.extend(listed(cond.not_within).map(Check::NotWithin));
        checks.extend(cond.nginx.map(|r| Check::Nginx(r.0)));
        checks.extend(listed(cond.refused).map(Check::Refused));
        checks.extend(cond.third_party.map(Check::ThirdParty));
        checks.extend(cond.fragment.map(Check::Fragment));
        checks.extend(cond.include_missing.map(Check::IncludeMissing));
        checks.extend(cond.arg.0.into_iter().map(|t| Check::Arg(Box::new(t))));
        checks.extend(cond.any_arg.map(Check::AnyArg));
        checks.extend(cond.arg_count.map(Check::ArgCount));
        checks.extend(cond.has.0.into_iter().map(|c| Check::Has(Matcher::new(c))));
        checks.extend(
            cond.lacks
                .0
                .into_iter()
                .map(|c| Check::Lacks(Matcher::new(c))),
        );
        if !cond.effective.is_empty() {
            checks.push(Check::Effective(cond.effective.into_iter().collect()));
        }
        checks.extend(listed(cond.target).map(Check::Target));
        checks.extend(cond.upstream.map(boxed).map(Check::Upstream));
        checks.extend(cond.map.map(boxed).map(Check::Map));
        checks.extend(cond.used_by.map(boxed).map(Check::UsedBy));
        checks.extend(cond.parent.map(boxed).map(Check::Parent));
        checks.extend(cond.ancestor.map(boxed).map(Check::Ancestor));
        checks.extend(cond.after.map(boxed).map(Check::After));
        checks.extend(cond.before.map(boxed).map(Check::Before));
        checks.extend(cond.backend.map(Check::Backend));
        checks.extend(cond.front_lb.map(Check::FrontLb));
        checks.extend(cond.reuses_connections.map(Check::ReusesConnections));
        checks.extend(cond.unknown_variable.map(Check::UnknownVariable));
        checks.extend(
            cond.sets_closing_connection
                .map(Check::SetsClosingConnection),
        );
        checks.extend(cond.reached_by.map(boxed).map(Check::ReachedBy));
        checks.extend(cond.reached_only_by.map(boxed).map(Check::ReachedOnlyBy));
        checks.extend(cond.in_effect_at.map(boxed).map(Check::InEffectAt));
        checks.extend(cond.regex.map(Check::Regex));
        checks.extend(listed(cond.drops).map(Check::Drops));
        checks.extend(
            cond.peers
                .map(|p| Check::Peers(Box::new(super::relations::PeersCheck::new(*p)))),
        );
        checks.extend(cond.anywhere.map(boxed).map(Check::Anywhere));
        checks.extend(cond.defined_by.map(boxed).map(Check::DefinedBy));
        checks.extend(cond.value.0.into_iter().map(|t| Check::Value(Box::new(t))));
        checks.extend(cond.inconsistent_variable.map(Check::InconsistentVariable));
        if !cond.all.is_empty() {
            checks.push(Check::All(cond.all.into_iter().map(Matcher::new).collect()));
        }
        if !cond.any.is_empty() {
            checks.push(Check::Any(cond.any.into_iter().map(Matcher::new).collect()));
        }
        checks.extend(cond.not.map(boxed).map(Check::Not));
        checks.extend(cond.pooled.map(Check::Pooled));
        // Tests that give one answer for the whole run (the nginx version
        // in an `all` or `any`, as the CVE rule writes its ranges) go
        // right after the name: a version they exclude then costs nothing
        // else. The sort is stable and the tests have no side effects.
        checks.sort_by_key(|c| match c {
            Check::Directive(..) => 0,
            c if c.is_constant() => 1,
            _ => 2,
        });
        let reach = Reach::of(&names, &checks);
        Matcher {
            names,
            checks,
            reach,
        }
    }

    /// Whether `node` passes every check; the first that fails ends it.
    pub(crate) fn matches(&self, node: Node<'_>, env: &Env<'_>) -> bool {
        self.checks.iter().all(|check| check.passes(node, env))
    }

    /// The directives that can match, in model order: those `directive`
    /// names; or, for a rule about what nginx refuses and about no name in
    /// particular, the refused directives rather than every directive of
    /// the tree.
    pub(crate) fn candidates<'m>(
        &self,
        model: &'m Model<'_>,
        refusals: &Refusals<'_>,
    ) -> Cow<'m, [NodeId]> {
        if self.candidates_are_refusals() {
            let mut ids: Vec<NodeId> = refusals.all(model).keys().copied().collect();
            ids.sort_unstable();
            Cow::Owned(ids)
        } else {
            self.reachable(model)
        }
    }

    /// Whether [`Matcher::candidates`] are the refused directives: a
    /// condition on what `nginx -t` refuses, naming no directive.
    pub(crate) fn candidates_are_refusals(&self) -> bool {
        self.names.is_empty() && self.checks.iter().any(|c| matches!(c, Check::Refused(_)))
    }

    /// The directives of `model` within the matcher's reach, in model
    /// order: every directive when its conditions do not narrow it.
    fn reachable<'m>(&self, model: &'m Model<'_>) -> Cow<'m, [NodeId]> {
        let Some(reach) = &self.reach else {
            return model.nodes().map(|n| n.id()).collect();
        };
        let named = |list: &[String], name: &str| list.iter().any(|p| name_matches(p, name));
        model.select(
            |name| named(&reach.names, name),
            |block| reach.blocks.iter().any(|b| b == block),
        )
    }

    /// Whether some directive directly in `node`'s block matches.
    fn some_child(&self, node: Node<'_>, env: &Env<'_>) -> bool {
        if self.names.is_empty() || self.names.iter().any(|n| n.contains('*')) {
            node.children().any(|c| self.matches(c, env))
        } else {
            self.names
                .iter()
                .any(|name| node.children_named(name).any(|c| self.matches(c, env)))
        }
    }
}

impl Check {
    /// Whether the answer is the same for every directive of a run.
    fn is_constant(&self) -> bool {
        let constant = |m: &Matcher| m.names.is_empty() && m.checks.iter().all(Check::is_constant);
        match self {
            Check::Nginx(_) | Check::Fragment(_) => true,
            Check::All(all) => all.iter().all(constant),
            Check::Any(any) => any.iter().all(constant),
            Check::Not(not) => constant(not),
            _ => false,
        }
    }

    fn passes(&self, node: Node<'_>, env: &Env<'_>) -> bool {
        let subject = || Subject { env, node };
        let named = |list: &[String], name: &str| list.iter().any(|n| n == name);
        match self {
            Check::Directive(names, false) => names.iter().any(|n| n == node.name()),
            Check::Directive(names, true) => names.iter().any(|n| name_matches(n, node.name())),
            Check::Context(names) => named(names, node.parent().map_or("main", |p| p.name())),
            Check::Within(names) => node.ancestors().any(|a| named(names, a.name())),
            Check::NotWithin(names) => !node.ancestors().any(|a| named(names, a.name())),
            Check::Nginx(range) => range.contains(env.model.version()),
            Check::Refused(kinds) => env
                .refusals
                .of(node)
                .is_some_and(|r| kinds.contains(&r.kind)),
            Check::ThirdParty(wanted) => {
                let third_party = env
                    .refusals
                    .of(node)
                    .is_some_and(|r| r.third_party.is_some());
                third_party == *wanted
            }
            Check::Fragment(wanted) => env.model.config().is_fragment() == *wanted,
            Check::IncludeMissing(wanted) => include_missing(node, env) == *wanted,
            Check::Arg(test) => {
                let index = test.index.unwrap_or(0);
                let kind = (index == 0)
                    .then(|| kind_of(node.name(), node.context()))
                    .flatten();
                let actual = node.arg(index).map(|a| a.value());
                value_passes(test, actual.as_deref(), kind, &subject())
            }
            Check::AnyArg(test) => node
                .args()
                .any(|a| value_passes(test, Some(&a.value()), None, &subject())),
            Check::ArgCount(test) => {
                let count = node.args().count().to_string();
                value_passes(test, Some(&count), Some(ValueKind::Number), &subject())
            }
            Check::Has(child) => child.some_child(node, env),
            Check::Lacks(child) => !child.some_child(node, env),
            Check::Effective(tests) => {
                let block = scope_of(node);
                tests
                    .iter()
                    .all(|(name, test)| effective_passes(test, env.model, block, name, &subject()))
            }
            Check::Target(kinds) => {
                let kind = pass_target(node).map(|t| t.kind());
                kinds.iter().any(|k| Some(k.as_str()) == kind)
            }
            Check::Upstream(up) => upstreams_of(node)
                .into_iter()
                .any(|u| env.memo.upstream(up, u, env)),
            Check::Map(map) => variables(&node.args_text())
                .filter_map(|var| env.model.map_for(&var))
                .any(|m| map.matches(m, env)),
            Check::UsedBy(user) => map_is_used(user, node, env),
            Check::Parent(parent) => node.parent().is_some_and(|p| parent.matches(p, env)),
            Check::Ancestor(ancestor) => node.ancestors().any(|a| ancestor.matches(a, env)),
            Check::After(after) => node.preceding_siblings().any(|s| after.matches(s, env)),
            Check::Before(before) => node.following_siblings().any(|s| before.matches(s, env)),
            Check::Backend(test) => backend_passes(test, &subject()),
            Check::FrontLb(test) => front_passes(test, &subject()),
            Check::ReachedBy(pass) => {
                node.name() == "upstream"
                    && env
                        .model
                        .passes_to(node.id())
                        .iter()
                        .any(|&id| pass.matches(env.model.node(id), env))
            }
            Check::ReachedOnlyBy(pass) => {
                let passes = env.model.passes_to(node.id());
                node.name() == "upstream"
                    && !passes.is_empty()
                    && passes
                        .iter()
                        .all(|&id| pass.matches(env.model.node(id), env))
            }
            Check::InEffectAt(at) => in_effect_at(at, node, env),
            Check::ReusesConnections(wanted) => {
                crate::model::reuse::reuses_connections(node) == Some(*wanted)
            }
            Check::UnknownVariable(wanted) => unknown_variable(node).is_some() == *wanted,
            Check::SetsClosingConnection(wanted) => {
                crate::model::reuse::sets_closing_connection(node) == *wanted
            }
            Check::All(all) => all.iter().all(|c| c.matches(node, env)),
            Check::Any(any) => any.iter().any(|c| c.matches(node, env)),
            Check::Not(not) => !not.matches(node, env),
            Check::Pooled(wanted) => *wanted == upstreams_of(node).into_iter().any(pools),
            Check::Regex(test) => super::regexes::passes(test, node, &subject()),
            Check::Drops(names) => names
                .iter()
                .any(|name| !crate::model::dropped::dropped(node, name).is_empty()),
            Check::Anywhere(cond) => env.memo.anywhere(cond, env),
            Check::Peers(peers) => peers.passes(node, env),
            Check::Value(test) => {
                let of = test
                    .of
                    .as_ref()
                    .expect("`value` tests have `of` (checked at load)");
                let rendered = of.evaluate(&subject()).ok();
                let kind = match &rendered {
                    Some(Value::Duration(_)) => Some(ValueKind::Duration(TimeSlot::Milliseconds)),
                    Some(Value::Size(_)) => Some(ValueKind::Size),
                    Some(Value::Number(_)) => Some(ValueKind::Number),
                    _ => None,
                };
                let text = rendered.map(|v| v.to_string());
                value_passes(test, text.as_deref(), kind, &subject())
            }
            Check::InconsistentVariable(wanted) => {
                crate::model::variables::inconsistent(node).is_some() == *wanted
            }
            Check::DefinedBy(cond) => {
                env.depth < MOST_LINKS
                    && crate::model::definitions::definitions(node)
                        .into_iter()
                        .any(|d| cond.matches(d.node, &env.linked(d.group)))
            }
        }
    }
}

/// Whether `node` is an `include` whose file does not exist, read past.
fn include_missing(node: Node<'_>, env: &Env<'_>) -> bool {
    node.name() == "include"
        && env
            .model
            .config()
            .skipped_include(node.file(), node.directive().index())
            .is_some()
}

/// Durations of facts compare as milliseconds.
const FACT_DURATION: Option<ValueKind> = Some(ValueKind::Duration(TimeSlot::Milliseconds));

/// The `backend` tests, in the order written in [`BackendTest`].
fn backend_passes(test: &BackendTest, subject: &Subject<'_, '_>) -> bool {
    let known = known_backend(subject.node, subject.env).map(|(_, b)| b);
    let origin = known.map(|b| b.origin);
    let is = |wanted: Option<bool>, which: Origin| {
        wanted.is_none_or(|wanted| wanted == (origin == Some(which)))
    };
    if test.known.is_some_and(|k| k != known.is_some())
        || !is(test.declared, Origin::Declared)
        || !is(test.guessed, Origin::Guessed)
        || !is(test.assumed, Origin::Assumed)
    {
        return false;
    }
    if let Some(idle) = &test.idle_timeout {
        let actual = known.and_then(|b| b.idle_timeout()).map(|d| d.to_string());
        if !value_passes(idle, actual.as_deref(), FACT_DURATION, subject) {
            return false;
        }
    }
    if let Some(kind) = &test.kind {
        if !value_passes(kind, known.and_then(|b| b.kind), None, subject) {
            return false;
        }
    }
    // Each of these fails when no backend is known, whichever way it asks.
    let fact = |wanted: Option<bool>, actual: fn(&Backend) -> bool| {
        wanted.is_none_or(|wanted| known.is_some_and(|b| actual(b) == wanted))
    };
    fact(test.closes_silently, Backend::closes_silently)
        && fact(test.keepalive, |b| b.idle != Idle::NoKeepalive)
        && fact(test.determined, |b| !matches!(b.idle, Idle::Unknown(_)))
        && test
            .prefer
            .is_none_or(|prefer| known.is_some_and(|b| b.prefer == prefer))
        && fact(test.editable, |b| b.file.is_some())
}

/// The `front_lb` tests.
fn front_passes(test: &FrontTest, subject: &Subject<'_, '_>) -> bool {
    let declared = subject.env.facts.front.as_ref();
    if test.declared.is_some_and(|d| d != declared.is_some()) {
        return false;
    }
    test.idle_timeout.as_ref().is_none_or(|idle| {
        let actual = declared.map(|f| f.idle_timeout.to_string());
        value_passes(idle, actual.as_deref(), FACT_DURATION, subject)
    })
}

/// The variables in a text, written `$name` (`${name}` becomes `$name`).
fn variables(text: &str) -> impl Iterator<Item = String> + '_ {
    variable_names(text).map(|name| format!("${name}"))
}

/// The first variable of `node`'s arguments that nginx does not provide
/// and the configuration does not define, with its `$`.
fn unknown_variable(node: Node<'_>) -> Option<String> {
    node.args().find_map(|arg| {
        variable_names(&arg.value())
            .find(|name| !crate::model::variables::is_known(node.model(), name))
            .map(|name| format!("${name}"))
    })
}

/// The names of the variables in a text, without their `$`, borrowed.
fn variable_names(text: &str) -> impl Iterator<Item = &str> + '_ {
    crate::model::definitions::names_in(text)
}

/// Whether a directive's name matches a `directive` entry: the name
/// itself, or a pattern where `*` stands for any run of characters
/// (`*_timeout`, `proxy_*`).
pub(crate) fn name_matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == name;
    }
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let (last, middle) = parts
        .split_last()
        .expect("a pattern with `*` has a part after it");
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Whether some directive (matching `user`) uses the variable a `map`
/// subject sets.
fn map_is_used(user: &Matcher, node: Node<'_>, env: &Env<'_>) -> bool {
    if node.name() != "map" {
        return false;
    }
    let Some(var) = node.arg(1).map(|a| a.value().into_owned()) else {
        return false;
    };
    let Some(var) = var.strip_prefix('$') else {
        return false;
    };
    // The variable first, read in place without copying: the condition may
    // walk the tree (`in_effect_at`), which only the few directives that
    // use the variable should pay for.
    let uses = |n: &Node<'_>| {
        n.id() != node.id()
            && n.args()
                .any(|a| variable_names(&a.value()).any(|v| v.eq_ignore_ascii_case(var)))
            && user.matches(*n, env)
    };
    // Every candidate of a large tree (40,000 `proxy_set_header` on the
    // 20,000-server benchmark) is looked at for the one map.
    crate::par::any(&user.reachable(env.model), |&id| uses(&env.model.node(id)))
}

/// Whether `node` is part of the effective value of its name at some
/// directive matching `at` in its block or below.
fn in_effect_at(at: &Matcher, node: Node<'_>, env: &Env<'_>) -> bool {
    let Some(block) = node.parent() else {
        // At the top level: every directive of the tree is below it.
        return at
            .candidates(env.model, env.refusals)
            .iter()
            .any(|&id| applies(node, env.model.node(id), at, env));
    };
    // The block's own subtree, walked rather than every candidate of the
    // tree filtered by ancestry: most subjects sit in one location.
    let mut stack: Vec<Node<'_>> = block.children().collect();
    while let Some(inner) = stack.pop() {
        if applies(node, inner, at, env) {
            return true;
        }
        stack.extend(inner.children());
    }
    false
}

/// Whether `subject` is in the effective value of its name where
/// `candidate` is, and `candidate` matches `at`.
fn applies(subject: Node<'_>, candidate: Node<'_>, at: &Matcher, env: &Env<'_>) -> bool {
    let named = at.names.is_empty() || at.names.iter().any(|n| n == candidate.name());
    named
        && candidate.id() != subject.id()
        && at.matches(candidate, env)
        && effective(env.model, scope_of(candidate), subject.name())
            .entry_nodes()
            .any(|n| n.id() == subject.id())
}

fn effective_passes(
    test: &ValueTest,
    model: &Model<'_>,
    block: Option<Node<'_>>,
    name: &str,
    subject: &Subject<'_, '_>,
) -> bool {
    let value = effective(model, block, name);
    if test.configured.is_some_and(|c| c != value.is_configured()) {
        return false;
    }
    if test.present.is_some_and(|p| p != value.is_set()) {
        return false;
    }
    let kind = value.info.map(|i| i.value);
    // Entries and the compared text are built only for the tests that read
    // them: this runs once per candidate directive and rule.
    if test.entry.is_some() || test.no_entry.is_some() {
        let entries = value.entry_args();
        let some_entry = |tests: &List<ValueTest>| {
            entries
                .iter()
                .any(|args| entry_passes(&tests.0, args, subject))
        };
        if test.entry.as_ref().is_some_and(|t| !some_entry(t))
            || test.no_entry.as_ref().is_some_and(some_entry)
        {
            return false;
        }
    }
    if !test.reads_value() {
        return true;
    }
    value_tests_pass(test, value.compared_text().as_deref(), kind, subject)
}

fn entry_passes(tests: &[ValueTest], args: &[String], subject: &Subject<'_, '_>) -> bool {
    tests.iter().all(|t| {
        let actual = args.get(t.index.unwrap_or(0)).map(String::as_str);
        value_passes(t, actual, None, subject)
    })
}

/// One value against a test. A missing value fails every test but
/// `present = false`, `not_equals` and `not_regex`.
pub(crate) fn value_passes(
    test: &ValueTest,
    actual: Option<&str>,
    kind: Option<ValueKind>,
    scope: &dyn Scope,
) -> bool {
    if test.present.is_some_and(|p| p != actual.is_some()) {
        return false;
    }
    value_tests_pass(test, actual, kind, scope)
}

/// The tests on the value itself (all but `present`; `configured`, `entry`
/// and `no_entry` belong to effective values and are checked there).
fn value_tests_pass(
    test: &ValueTest,
    actual: Option<&str>,
    kind: Option<ValueKind>,
    scope: &dyn Scope,
) -> bool {
    let Some(actual) = actual else {
        let needs_value = !test.equals.0.is_empty()
            || test.one_of.is_some()
            || test.regex.is_some()
            || test.lt.is_some()
            || test.le.is_some()
            || test.gt.is_some()
            || test.ge.is_some();
        return !needs_value;
    };
    // Typed only when a comparison needs it.
    let typed_value = std::cell::OnceCell::new();
    let value = || typed_value.get_or_init(|| typed(actual, kind));
    // `None`: the expected value cannot be computed here (a missing fact),
    // so the test cannot pass either way.
    // nginx reads `on`/`off` with ngx_strcasecmp (ngx_conf_set_flag_slot):
    // `ON` is on.
    let ignore_case = test.ignore_case || kind == Some(ValueKind::Flag);
    let same_text = |text: &str| {
        if ignore_case {
            text.eq_ignore_ascii_case(actual)
        } else {
            text == actual
        }
    };
    let equal_value = |t: &Template| match t.evaluate(scope) {
        Ok(expected) => {
            let same = match &expected {
                Value::Text(text) => same_text(text),
                other => same_text(&other.to_string()),
            };
            Some(same || compare(value(), &expected) == Some(std::cmp::Ordering::Equal))
        }
        Err(_) => None,
    };
    let equal = |t: &Template| {
        // A word written in the rule, against a value of no particular
        // kind: equal as text, or as quantities (`1m` and `60s`); a word
        // that is no quantity equals no quantity either. Decided without
        // copying (this runs for every argument a rule looks at).
        if let (Some(text), None) = (t.as_text(), kind) {
            if same_text(text) {
                return Some(true);
            }
            if !Value::is_quantity(text) {
                return Some(false);
            }
        }
        equal_value(t)
    };
    if !test.equals.0.is_empty() && !test.equals.0.iter().any(|t| equal(t) == Some(true)) {
        return false;
    }
    if test.not_equals.0.iter().any(|t| equal(t) != Some(false)) {
        return false;
    }
    if let Some(list) = &test.one_of {
        let Ok(items) = list.render(scope) else {
            return false;
        };
        if !items.split(',').map(str::trim).any(same_text) {
            return false;
        }
    }
    if test
        .regex
        .as_ref()
        .is_some_and(|re| re.is_match(actual) != Some(true))
    {
        return false;
    }
    if test
        .not_regex
        .as_ref()
        .is_some_and(|re| re.is_match(actual) != Some(false))
    {
        return false;
    }
    use std::cmp::Ordering::*;
    let checks: [(&Option<Template>, &[std::cmp::Ordering]); 4] = [
        (&test.lt, &[Less]),
        (&test.le, &[Less, Equal]),
        (&test.gt, &[Greater]),
        (&test.ge, &[Greater, Equal]),
    ];
    for (bound, allowed) in checks {
        if let Some(template) = bound {
            let Ok(expected) = template.evaluate(scope) else {
                return false;
            };
            match compare(value(), &expected) {
                Some(order) if allowed.contains(&order) => {}
                _ => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_found_in_text() {
        let found: Vec<_> = variables("$connection_upgrade x${host}y $ $1").collect();
        assert_eq!(found, ["$connection_upgrade", "$host", "$1"]);
    }

    #[test]
    fn checks_run_in_a_fixed_order_whatever_order_keys_are_written_in() {
        // Every key, written in the reverse of the evaluation order: cheap
        // tests on the directive first, pooled last.
        let cond: Cond = toml::from_str(
            "pooled = true\n\
             not = { directive = \"a\" }\n\
             any = [{ directive = \"a\" }]\n\
             all = [{ directive = \"a\" }]\n\
             reached_by = {}\n\
             front_lb = { declared = true }\n\
             backend = { declared = true }\n\
             before = {}\n\
             after = {}\n\
             ancestor = {}\n\
             parent = {}\n\
             used_by = {}\n\
             map = {}\n\
             upstream = {}\n\
             target = \"upstream\"\n\
             effective.proxy_buffering = { equals = \"on\" }\n\
             lacks = [{ directive = \"b\" }, { directive = \"c\" }]\n\
             has = { directive = \"a\" }\n\
             arg_count = { equals = \"1\" }\n\
             any_arg = { equals = \"x\" }\n\
             arg = [{ equals = \"x\" }, { index = 1, equals = \"y\" }]\n\
             include_missing = false\n\
             fragment = false\n\
             third_party = false\n\
             refused = \"unknown\"\n\
             nginx = \">=1.0\"\n\
             not_within = \"if\"\n\
             within = \"http\"\n\
             context = \"server\"\n\
             directive = \"proxy_pass\"\n",
        )
        .expect("a condition");
        let matcher = Matcher::new(cond);
        let order: Vec<String> = matcher
            .checks
            .iter()
            .map(|c| format!("{c:?}").split('(').next().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            order,
            [
                // Then what answers once per run, wherever it is written.
                "Directive",
                "Nginx",
                "Fragment",
                "Context",
                "Within",
                "NotWithin",
                "Refused",
                "ThirdParty",
                "IncludeMissing",
                "Arg",
                "Arg",
                "AnyArg",
                "ArgCount",
                "Has",
                "Lacks",
                "Lacks",
                "Effective",
                "Target",
                "Upstream",
                "Map",
                "UsedBy",
                "Parent",
                "Ancestor",
                "After",
                "Before",
                "Backend",
                "FrontLb",
                "ReachedBy",
                "All",
                "Any",
                "Not",
                "Pooled",
            ]
        );
        assert_eq!(matcher.names, ["proxy_pass"]);
    }

    #[test]
    fn keys_left_empty_compile_to_no_check() {
        let cond: Cond = toml::from_str(
            "directive = []\ncontext = []\nwithin = []\nnot_within = []\nrefused = []\n\
             target = []\narg = []\nhas = []\nlacks = []\nall = []\nany = []\n",
        )
        .expect("a condition");
        assert!(Matcher::new(cond).checks.is_empty());
    }

    fn reachable_names(conf: &str, cond: &str) -> Vec<String> {
        let tree = crate::config::from_texts(&[("/etc/nginx/nginx.conf", conf)]);
        let model = Model::new(&tree, Version::new(1, 29, 6));
        let matcher = Matcher::new(toml::from_str(cond).expect("a condition"));
        matcher
            .reachable(&model)
            .iter()
            .map(|&id| model.node(id).name().to_string())
            .collect()
    }

    #[test]
    fn the_reach_of_a_condition_is_what_it_can_match() {
        let conf = "events {}\nhttp { map $uri $a { ~^/(x) $1; default 0; } \
                    server { listen 80; location ~ ^/a { return 200; } rewrite ^ /b; } }\n";
        // A `directive` list, with patterns.
        assert_eq!(reachable_names(conf, "directive = \"listen\""), ["listen"]);
        assert_eq!(
            reachable_names(conf, "directive = \"re*\""),
            ["return", "rewrite"]
        );
        // Alternatives that each name theirs: their union, in tree order.
        assert_eq!(
            reachable_names(
                conf,
                "any = [{ directive = \"rewrite\" }, { directive = \"listen\" }]"
            ),
            ["listen", "rewrite"]
        );
        // One alternative open to any directive opens the whole.
        assert_eq!(
            reachable_names(
                conf,
                "any = [{ directive = \"listen\" }, { arg = { equals = \"80\" } }]"
            )
            .len(),
            10
        );
        // `all`: the first member that narrows.
        assert_eq!(
            reachable_names(
                conf,
                "all = [{ arg = { equals = \"80\" } }, { directive = \"listen\" }]"
            ),
            ["listen"]
        );
        // `context`: the blocks' children; `main` is the top level.
        assert_eq!(
            reachable_names(conf, "context = \"map\""),
            ["~^/(x)", "default"]
        );
        assert_eq!(
            reachable_names(conf, "context = \"main\""),
            ["events", "http"]
        );
        // `regex`: the directives that can hold one, and map entries.
        assert_eq!(
            reachable_names(conf, "regex = {}"),
            ["~^/(x)", "default", "location", "rewrite"]
        );
    }
}

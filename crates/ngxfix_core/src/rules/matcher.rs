//! Evaluating a rule's `match` conditions on a directive of the model.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::facts::{Backend, Facts, Idle, ServerKind};
use super::schema::{Cond, List, ValueTest};
use super::template::{compare, Scope, Template, Value};
use crate::model::accepts::{refusals, Known, Refusal};
use crate::model::{
    directives, effective, pass_target, scope_of, Contexts, Duration, Model, Node, NodeId, Size,
    Target, TimeSlot, ValueKind, Version,
};
use crate::syntax::style::Styles;

/// What conditions are evaluated against: the configuration, the rule's
/// parameter values, and the declared facts.
pub struct Env<'m> {
    pub model: &'m Model<'m>,
    pub params: &'m BTreeMap<String, String>,
    pub facts: &'m Facts,
    /// File styles for rendering fixes, shared by all rules of a run.
    pub styles: &'m Styles,
    /// What `nginx -t` would refuse, found on first use and shared by all
    /// rules of a run.
    pub refusals: &'m Refusals<'m>,
}

/// The directives `nginx -t` would refuse in a model, found once.
pub struct Refusals<'m> {
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
        self.found.get_or_init(|| refusals(model, self.known))
    }

    /// Why `node` would be refused, if it would.
    pub fn of(&self, node: Node<'_>) -> Option<&Refusal> {
        self.all(node.model()).get(&node.id())
    }
}

/// Template references resolved for one subject directive.
pub struct Subject<'e, 'm> {
    pub env: &'e Env<'m>,
    pub node: Node<'m>,
}

/// The `upstream{}` blocks a directive is about: itself, the one it sits
/// in, or those its `*_pass` reaches.
pub fn upstreams_of<'m>(node: Node<'m>) -> Vec<Node<'m>> {
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

/// The first upstream the subject is about that has a declared backend.
pub(super) fn declared_backend<'e>(
    node: Node<'_>,
    facts: &'e Facts,
) -> Option<(String, &'e Backend)> {
    upstreams_of(node).into_iter().find_map(|up| {
        let name = upstream_name(up);
        facts.backends.get(&name).map(|b| (name, b))
    })
}

/// Whether an `upstream{}` block keeps idle connections: `keepalive N`
/// with N > 0, or, from 1.29.7 where `keepalive 32 local` is implicit, no
/// `keepalive 0` (research notes §1).
pub fn pools(up: Node<'_>) -> bool {
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
            ["upstream", "name"] => upstreams_of(node)
                .first()
                .map(|up| Value::Text(upstream_name(*up))),
            ["backend", "name"] => {
                declared_backend(node, self.env.facts).map(|(name, _)| Value::Text(name))
            }
            ["backend", "idle_timeout"] => declared_backend(node, self.env.facts)
                .and_then(|(_, b)| b.idle_timeout())
                .map(Value::Duration),
            ["backend", "idle"] => {
                declared_backend(node, self.env.facts).map(|(_, b)| Value::Text(b.idle.to_string()))
            }
            ["backend", "kind"] => declared_backend(node, self.env.facts)
                .and_then(|(_, b)| b.kind)
                .map(|k| Value::Text(k.to_string())),
            // Where its file says so, or how it was declared.
            ["backend", "detail"] => declared_backend(node, self.env.facts)
                .map(|(_, b)| Value::Text(b.detail.clone().unwrap_or_else(|| b.source.clone()))),
            ["backend", "file"] => declared_backend(node, self.env.facts)
                .and_then(|(_, b)| b.file)
                .map(|i| Value::Text(self.env.facts.files[i].display())),
            // The setting that holds its idle timeout, as the server names it.
            ["backend", "setting"] => declared_backend(node, self.env.facts)
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

/// Whether `node` satisfies `cond`.
pub fn matches(cond: &Cond, node: Node<'_>, env: &Env<'_>) -> bool {
    let subject = Subject { env, node };
    let names = |list: &[String], name: &str| list.iter().any(|n| n == name);
    if !cond.directive.0.is_empty() && !names(&cond.directive.0, node.name()) {
        return false;
    }
    if !cond.context.0.is_empty() {
        let parent = node.parent().map_or("main", |p| p.name());
        if !names(&cond.context.0, parent) {
            return false;
        }
    }
    if !cond.within.0.is_empty() && !node.ancestors().any(|a| names(&cond.within.0, a.name())) {
        return false;
    }
    if node
        .ancestors()
        .any(|a| names(&cond.not_within.0, a.name()))
    {
        return false;
    }
    if let Some(range) = &cond.nginx {
        if !range.0.contains(env.model.version()) {
            return false;
        }
    }
    if !cond.refused.0.is_empty() || cond.third_party.is_some() {
        let refusal = env.refusals.of(node);
        if !cond.refused.0.is_empty() && !refusal.is_some_and(|r| cond.refused.0.contains(&r.kind))
        {
            return false;
        }
        if let Some(wanted) = cond.third_party {
            let third_party = refusal.is_some_and(|r| r.third_party.is_some());
            if third_party != wanted {
                return false;
            }
        }
    }
    if cond
        .fragment
        .is_some_and(|wanted| env.model.config().is_fragment() != wanted)
    {
        return false;
    }
    if let Some(wanted) = cond.include_missing {
        let missing = node.name() == "include"
            && env
                .model
                .config()
                .skipped_include(node.file(), node.directive().index())
                .is_some();
        if missing != wanted {
            return false;
        }
    }
    for test in &cond.arg.0 {
        let index = test.index.unwrap_or(0);
        let kind = (index == 0)
            .then(|| kind_of(node.name(), node.context()))
            .flatten();
        let actual = node.arg(index).map(|a| a.value().into_owned());
        if !value_passes(test, actual.as_deref(), kind, &subject) {
            return false;
        }
    }
    if let Some(test) = &cond.any_arg {
        if !node
            .args()
            .any(|a| value_passes(test, Some(&a.value()), None, &subject))
        {
            return false;
        }
    }
    if let Some(test) = &cond.arg_count {
        let count = node.args().count().to_string();
        if !value_passes(test, Some(&count), Some(ValueKind::Number), &subject) {
            return false;
        }
    }
    for child in &cond.has.0 {
        if !some_child(child, node, env) {
            return false;
        }
    }
    for child in &cond.lacks.0 {
        if some_child(child, node, env) {
            return false;
        }
    }
    if !cond.effective.is_empty() {
        let block = scope_of(node);
        for (name, test) in &cond.effective {
            if !effective_passes(test, env.model, block, name, &subject) {
                return false;
            }
        }
    }
    if !cond.target.0.is_empty() {
        let kind = pass_target(node).map(|t| t.kind());
        if !cond.target.0.iter().any(|k| Some(k.as_str()) == kind) {
            return false;
        }
    }
    if let Some(up) = &cond.upstream {
        if !upstreams_of(node).into_iter().any(|u| matches(up, u, env)) {
            return false;
        }
    }
    if let Some(map) = &cond.map {
        let found = variables(&node.args_text())
            .filter_map(|var| env.model.map_for(&var))
            .any(|m| matches(map, m, env));
        if !found {
            return false;
        }
    }
    if let Some(user) = &cond.used_by {
        if !map_is_used(user, node, env) {
            return false;
        }
    }
    if let Some(parent) = &cond.parent {
        if !node.parent().is_some_and(|p| matches(parent, p, env)) {
            return false;
        }
    }
    if let Some(ancestor) = &cond.ancestor {
        if !node.ancestors().any(|a| matches(ancestor, a, env)) {
            return false;
        }
    }
    if let Some(after) = &cond.after {
        if !node.preceding_siblings().any(|s| matches(after, s, env)) {
            return false;
        }
    }
    if let Some(before) = &cond.before {
        if !node.following_siblings().any(|s| matches(before, s, env)) {
            return false;
        }
    }
    let duration = Some(ValueKind::Duration(TimeSlot::Milliseconds));
    if let Some(backend) = &cond.backend {
        let declared = declared_backend(node, env.facts).map(|(_, b)| b);
        if backend.declared.is_some_and(|d| d != declared.is_some()) {
            return false;
        }
        if let Some(test) = &backend.idle_timeout {
            let actual = declared
                .and_then(|b| b.idle_timeout())
                .map(|d| d.to_string());
            if !value_passes(test, actual.as_deref(), duration, &subject) {
                return false;
            }
        }
        if let Some(test) = &backend.kind {
            if !value_passes(test, declared.and_then(|b| b.kind), None, &subject) {
                return false;
            }
        }
        if let Some(silent) = backend.closes_silently {
            if declared.is_none_or(|b| b.closes_silently() != silent) {
                return false;
            }
        }
        if let Some(keepalive) = backend.keepalive {
            if declared.is_none_or(|b| (b.idle != Idle::NoKeepalive) != keepalive) {
                return false;
            }
        }
        if let Some(determined) = backend.determined {
            if declared.is_none_or(|b| matches!(b.idle, Idle::Unknown(_)) == determined) {
                return false;
            }
        }
        if let Some(prefer) = backend.prefer {
            if declared.is_none_or(|b| b.prefer != prefer) {
                return false;
            }
        }
        if let Some(editable) = backend.editable {
            if declared.is_none_or(|b| b.file.is_some() != editable) {
                return false;
            }
        }
    }
    if let Some(front) = &cond.front_lb {
        let declared = env.facts.front.as_ref();
        if front.declared.is_some_and(|d| d != declared.is_some()) {
            return false;
        }
        if let Some(test) = &front.idle_timeout {
            let actual = declared.map(|f| f.idle_timeout.to_string());
            if !value_passes(test, actual.as_deref(), duration, &subject) {
                return false;
            }
        }
    }
    if let Some(pass) = &cond.reached_by {
        let reached = node.name() == "upstream"
            && env
                .model
                .passes_to(node.id())
                .iter()
                .any(|&id| matches(pass, env.model.node(id), env));
        if !reached {
            return false;
        }
    }
    // Whether the subject reaches a pool is the costliest test here (the
    // target, its upstream block, that block's settings): it goes last.
    cond.all.iter().all(|c| matches(c, node, env))
        && (cond.any.is_empty() || cond.any.iter().any(|c| matches(c, node, env)))
        && !cond.not.as_ref().is_some_and(|c| matches(c, node, env))
        && cond
            .pooled
            .is_none_or(|p| p == upstreams_of(node).into_iter().any(pools))
}

fn some_child(cond: &Cond, node: Node<'_>, env: &Env<'_>) -> bool {
    if cond.directive.0.is_empty() {
        node.children().any(|c| matches(cond, c, env))
    } else {
        cond.directive
            .0
            .iter()
            .any(|name| node.children_named(name).any(|c| matches(cond, c, env)))
    }
}

/// The variables in a text, written `$name` (`${name}` becomes `$name`).
fn variables(text: &str) -> impl Iterator<Item = String> + '_ {
    text.match_indices('$').filter_map(move |(i, _)| {
        let rest = &text[i + 1..];
        let name = match rest.strip_prefix('{') {
            Some(braced) => &braced[..braced.find('}')?],
            None => {
                let len = rest
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                &rest[..len]
            }
        };
        (!name.is_empty()).then(|| format!("${name}"))
    })
}

/// The directives a condition can match, in order: those named in its
/// `directive` list, or every directive when the list is empty.
pub fn candidates(model: &Model<'_>, names: &[String]) -> Vec<NodeId> {
    if names.is_empty() {
        return model.nodes().map(|n| n.id()).collect();
    }
    let mut ids: Vec<NodeId> = names
        .iter()
        .flat_map(|name| model.named(name).map(|n| n.id()))
        .collect();
    ids.sort_unstable();
    ids
}

/// Whether some directive (satisfying `cond`) uses the variable a `map`
/// subject sets.
fn map_is_used(cond: &Cond, node: Node<'_>, env: &Env<'_>) -> bool {
    if node.name() != "map" {
        return false;
    }
    let Some(var) = node.arg(1).map(|a| a.value().to_ascii_lowercase()) else {
        return false;
    };
    // The condition first: it usually reads one argument, where the
    // variable scan copies every argument of every candidate.
    let uses = |n: &Node<'_>| {
        n.id() != node.id()
            && matches(cond, *n, env)
            && variables(&n.args_text()).any(|v| v.eq_ignore_ascii_case(&var))
    };
    // Every candidate of a large tree (40,000 `proxy_set_header` on the
    // 20,000-server benchmark) is looked at for the one map.
    crate::par::any(&candidates(env.model, &cond.directive.0), |&id| {
        uses(&env.model.node(id))
    })
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
pub fn value_passes(
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
    let equal = |t: &Template| match t.evaluate(scope) {
        Ok(expected) => {
            let same = match &expected {
                Value::Text(text) => same_text(text),
                other => same_text(&other.to_string()),
            };
            Some(same || compare(value(), &expected) == Some(std::cmp::Ordering::Equal))
        }
        Err(_) => None,
    };
    if !test.equals.0.is_empty() && !test.equals.0.iter().any(|t| equal(t) == Some(true)) {
        return false;
    }
    if test.not_equals.0.iter().any(|t| equal(t) != Some(false)) {
        return false;
    }
    if let Some(re) = &test.regex {
        if !re.0.is_match(actual) {
            return false;
        }
    }
    if let Some(re) = &test.not_regex {
        if re.0.is_match(actual) {
            return false;
        }
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
}

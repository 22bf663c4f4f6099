//! Turning a rule's `[fix]` into byte-range edits for one finding.
//!
//! The primitives are generic; the nginx knowledge they use is inheritance:
//! `add` never makes a block lose the entries it inherits (research notes
//! §3): it adds to the level the block's entries come from, replacing an
//! entry with the same key instead of adding a second one, and with
//! `scope = "everywhere"` it writes to http{} and every block that has
//! entries of its own.

use super::facts::{BackendId, ServerKind};
use super::matcher::{known_backend, upstreams_of, Subject};
use super::schema::{
    AddAction, AddScope, Fix, InsertAction, Place, Position, RemoveArg, Safety, SetAction,
};
use super::template::Template;
use crate::config::{FileId, FileOrigin};
use crate::model::{directives, effective, Node};
use crate::model::{Duration, TimeSlot};
use crate::syntax::style::{self, FileText};
use crate::syntax::Directive;
use crate::text::Edit;

/// Why a fix cannot be planned for a finding: a missing fact, no block to
/// put it in, an edit outside the files checked. Shown as the finding's
/// `fix_unavailable`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// `replace_arg` names an argument past the end (and not right after it).
    #[error("{directive} has no argument {index} to replace")]
    NoArgument { directive: String, index: usize },
    /// An edit of a block of the context written around a fragment.
    #[error(
        "the fix changes the {block}{{}} around {fragment}, which is not in it (check the file \
         through the nginx.conf that includes it)"
    )]
    OutsideFragment { block: String, fragment: String },
    /// `backend_timeout` for an upstream with no declared backend.
    #[error("no backend is declared for this upstream")]
    NoBackend,
    /// `backend_timeout` for a backend declared without its file.
    #[error(
        "the backend has no configuration file to edit (declare it with --backend UPSTREAM=KIND:PATH)"
    )]
    NoBackendFile,
    /// `backend_timeout` rendered to no duration.
    #[error("backend_timeout \"{text}\": {error}")]
    BackendTimeout {
        text: String,
        error: crate::model::UnitError,
    },
    /// The backend's format cannot raise the timeout in its file.
    #[error("{file}: {why}")]
    Raise {
        file: String,
        why: crate::backends::RaiseError,
    },
    /// `restore` where the level drops nothing.
    #[error("this level drops no {directive} entries")]
    NothingDropped { directive: String },
    /// `remove_arg` would remove every argument.
    #[error("removing `{value}` would leave {directive} without arguments")]
    NoArgumentsLeft { value: String, directive: String },
    /// A template of the fix cannot be evaluated here.
    #[error("cannot compute the fix: {0}")]
    Compute(super::template::EvalError),
    /// `place` names a block the subject is not in.
    #[error("{directive} is not inside a `{block}` block")]
    NotInside { directive: String, block: String },
    /// `place = "own"` for a directive with no block.
    #[error("{directive} has no block")]
    NoBlock { directive: String },
    /// `place = "upstream"` for a directive that reaches none.
    #[error("{directive} reaches no upstream{{}} block")]
    NoUpstream { directive: String },
    /// An unread `include` in the block may already set the directive.
    #[error(
        "`include {include}` (line {line}) was not read, and the file may set {directive} there already"
    )]
    UnreadInclude {
        include: String,
        line: u32,
        directive: String,
    },
    /// `insert` before or after anchors the block does not have.
    #[error("no {anchors} next to {directive}")]
    NoAnchor { anchors: String, directive: String },
}

/// An edit of a backend's configuration file: `file` indexes
/// [`Facts::files`](crate::rules::facts::Facts::files), and the edit is
/// the backend format's own, of that one text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BackendEdit {
    pub file: BackendId,
    /// The file's path, for output.
    pub path: String,
    pub edit: Edit<()>,
}

/// A directive a fix writes into a block: a scalar it sets, an entry of
/// an array it adds (by its key: `proxy_set_header Connection`), a
/// directive nginx takes once per block that it inserts. Two fixes that
/// claim the same one in one pass would write it twice, which nginx
/// refuses (`"keepalive_timeout" directive is duplicate`) even when their
/// edits do not overlap: they clash like overlapping edits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Claim {
    /// The block: the block directive's file and index, `None` for the
    /// top level of the main file.
    pub block: Option<(FileId, u32)>,
    pub directive: String,
    /// For an array entry, its key (lowercased arguments); empty for a
    /// scalar.
    pub key: Vec<String>,
}

/// A computed fix: what it does, how safe it is, and its edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixPlan {
    pub title: String,
    pub safety: Safety,
    pub edits: Vec<Edit>,
    /// Edits of backend configuration files.
    pub backend_edits: Vec<BackendEdit>,
    /// The idle timeout the backend edits raise their file to.
    pub backend_target: Option<Duration>,
    /// The directives it writes into blocks, which no other fix may write
    /// in the same pass.
    pub claims: Vec<Claim>,
    /// The values it writes that a person may change before it is applied
    /// (`fix -i`'s `e`): a `set`, `add` or `insert`'s arguments, a
    /// `replace_arg`'s value. Removals and copies write none.
    pub values: Vec<FixValue>,
}

/// A value a fix writes, as its template rendered it, and where it sits in
/// the fix's edits: `fix::values` puts other text in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixValue {
    /// The directive it is (an argument of) the value of.
    pub directive: String,
    /// The text as written.
    pub text: String,
    /// Each edit that writes it, with where in the edit's text it starts.
    pub places: Vec<ValuePlace>,
}

/// Where one edit of a fix writes a [`FixValue`]: the edit, by its file and
/// range (unique within a fix), and the byte offset of the value in the
/// edit's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValuePlace {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
    pub at: u32,
}

impl FixValue {
    /// The value `text` of `directive` in the edits an action just made:
    /// the whole text of an edit that replaces arguments (after its
    /// leading blank, when it appends one), or the arguments of the
    /// `directive text;` statement an edit inserts. `None` when no edit
    /// writes it (the directive already said so) or it is empty.
    fn find(directive: &str, text: &str, edits: &[Edit]) -> Option<FixValue> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let statement = statement(directive, text);
        let places: Vec<ValuePlace> = edits
            .iter()
            .filter_map(|edit| {
                let at = if edit.text.trim_start() == text {
                    edit.text.len() - text.len()
                } else {
                    edit.text.rfind(&statement)? + directive.len() + 1
                };
                Some(ValuePlace {
                    file: edit.file,
                    start: edit.start,
                    end: edit.end,
                    at: at as u32,
                })
            })
            .collect();
        (!places.is_empty()).then(|| FixValue {
            directive: directive.to_string(),
            text: text.to_string(),
            places,
        })
    }
}

impl FixPlan {
    /// Whether the fix changes nothing.
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty() && self.backend_edits.is_empty()
    }
}

/// Compute the edits of `fix` for the subject; an error says why the fix
/// cannot be made here (a missing fact, no block to put it in).
pub(crate) fn plan(fix: &Fix, subject: &Subject<'_, '_>) -> Result<FixPlan, PlanError> {
    let mut edits = Vec::new();
    let mut titles = Vec::new();
    let mut claims = Vec::new();
    let mut values = Vec::new();
    if let Some(set) = &fix.set {
        let from = edits.len();
        let (title, args) = set_action(set, subject, &mut edits, &mut claims)?;
        titles.push(title);
        values.extend(FixValue::find(&set.directive, &args, &edits[from..]));
    }
    if let Some(add) = &fix.add {
        let from = edits.len();
        let (title, args) = add_action(add, subject, &mut edits, &mut claims)?;
        titles.push(title);
        values.extend(FixValue::find(&add.directive, &args, &edits[from..]));
    }
    if let Some(replace) = &fix.replace_arg {
        let from = edits.len();
        let node = subject.node;
        let value = render(&replace.value, subject)?;
        let directive = node.directive();
        let (file, args): (_, Vec<_>) = (node.file(), directive.args().collect());
        let old = args
            .get(replace.index)
            .map(|a| a.raw().into_owned())
            .unwrap_or_default();
        if let Some(arg) = args.get(replace.index) {
            if arg.raw() != value {
                edits.push(Edit {
                    file,
                    start: arg.span().start,
                    end: arg.span().end,
                    text: value.clone(),
                });
            }
        } else if replace.index == args.len() {
            let at = args
                .last()
                .map_or(directive.name().span().end, |a| a.span().end);
            edits.push(Edit {
                file,
                start: at,
                end: at,
                text: format!(" {value}"),
            });
        } else {
            return Err(PlanError::NoArgument {
                directive: node.name().to_string(),
                index: replace.index,
            });
        }
        titles.push(format!("replace `{old}` with `{value}`"));
        values.extend(FixValue::find(node.name(), &value, &edits[from..]));
    }
    if let Some(remove) = &fix.remove_arg {
        titles.push(remove_arg(remove, subject, &mut edits)?);
    }
    if let Some(insert) = &fix.insert {
        let from = edits.len();
        let (title, name, args) = insert_action(insert, subject, &mut edits, &mut claims)?;
        titles.push(title);
        // A block's arguments (`location /`) are not a value to tune.
        if insert.block.is_none() {
            values.extend(FixValue::find(&name, &args, &edits[from..]));
        }
    }
    if let Some(name) = &fix.restore {
        titles.push(restore_action(name, subject, &mut edits, &mut claims)?);
    }
    if fix.remove {
        let node = subject.node;
        edits.push(style::remove(
            &text_of(subject, node.file()),
            &node.directive(),
        ));
        titles.push(format!("remove `{}`", statement_text(&node.directive())));
    }
    if fix.remove_bom {
        let file = subject.node.file();
        let text = subject.env.model.config().file(file).tree.text();
        if text.starts_with(b"\xEF\xBB\xBF") {
            edits.push(Edit {
                file,
                start: 0,
                end: 3,
                text: String::new(),
            });
        }
        titles.push("remove the byte order mark".to_string());
    }
    let mut backend_edits = Vec::new();
    let mut backend_target = None;
    if let Some(target) = &fix.backend_timeout {
        let (title, target) = backend_timeout(target, subject, &mut backend_edits)?;
        titles.push(title);
        backend_target = Some(target);
    }
    // The last word on a written context: whatever made an edit there, it
    // cannot be saved.
    let config = subject.env.model.config();
    if let Some(edit) = edits
        .iter()
        .find(|e| config.file(e.file).origin == FileOrigin::Context)
    {
        let block = config
            .file(edit.file)
            .tree
            .directives()
            .filter(|d| d.has_block() && d.span().start <= edit.start && edit.end <= d.span().end)
            .last()
            .map_or("main".to_string(), |d| d.name().value().into_owned());
        return Err(outside_fragment(config, &block));
    }
    let title = match &fix.title {
        Some(title) => render(title, subject)?,
        None => capitalize(&titles.join(", ")),
    };
    edits.sort();
    edits.dedup();
    claims.sort();
    claims.dedup();
    Ok(FixPlan {
        title,
        safety: fix.safety.unwrap_or_default(),
        edits,
        backend_edits,
        backend_target,
        claims,
        values,
    })
}

/// The claim of a fix that writes `directive` (with `key`, for an array
/// entry) into `block`.
fn claim(block: Option<Node<'_>>, directive: &str, key: Vec<String>) -> Claim {
    Claim {
        block: block.map(|b| (b.file(), b.directive().index())),
        directive: directive.to_string(),
        key,
    }
}

/// Raise the idle timeout in the configuration file of the subject's
/// backend to at least `target`: the title and the duration.
fn backend_timeout(
    target: &Template,
    subject: &Subject<'_, '_>,
    edits: &mut Vec<BackendEdit>,
) -> Result<(String, Duration), PlanError> {
    let facts = subject.env.facts;
    let (_, backend) = known_backend(subject.node, subject.env).ok_or(PlanError::NoBackend)?;
    let index = backend.file.ok_or(PlanError::NoBackendFile)?;
    let text = render(target, subject)?;
    let duration = Duration::parse(&text, TimeSlot::Milliseconds).map_err(|error| {
        PlanError::BackendTimeout {
            text: text.clone(),
            error,
        }
    })?;
    let file = facts.file(index);
    let raised = file.raised(duration).map_err(|why| PlanError::Raise {
        file: file.display(),
        why,
    })?;
    edits.extend(raised.into_iter().map(|edit| BackendEdit {
        file: index,
        path: file.display(),
        edit,
    }));
    let what = backend
        .kind
        .and_then(ServerKind::find)
        .map_or("the idle timeout".to_string(), |k| {
            format!("{}'s {}", k.name, k.setting)
        });
    Ok((
        format!("raise {what} in {} to at least {duration}", file.display()),
        duration,
    ))
}

/// Remove each argument equal to the value, with the blanks right before
/// it on its line, so `error timeout non_idempotent;` becomes `error
/// timeout;`. A comment or line break before the argument stays. A
/// directive left without arguments would not be valid nginx: that is
/// refused.
fn remove_arg(
    remove: &RemoveArg,
    subject: &Subject<'_, '_>,
    edits: &mut Vec<Edit>,
) -> Result<String, PlanError> {
    let node = subject.node;
    let value = render(&remove.value, subject)?;
    let directive = node.directive();
    let args: Vec<_> = directive.args().collect();
    let same = |arg: &crate::syntax::Word<'_>| {
        let actual = arg.value();
        if remove.ignore_case {
            actual.eq_ignore_ascii_case(&value)
        } else {
            actual == value
        }
    };
    if args.iter().all(same) {
        return Err(PlanError::NoArgumentsLeft {
            value,
            directive: node.name().to_string(),
        });
    }
    let text = directive.tree().text();
    let blank = |b: &&u8| **b == b' ' || **b == b'\t';
    for arg in args.iter().filter(|a| same(a)) {
        let (start, end) = (arg.span().start as usize, arg.span().end as usize);
        let before = text[..start].iter().rev().take_while(blank).count();
        let starts_line = matches!(text[..start - before].last(), None | Some(b'\n'));
        // First on its line: the blanks after it go, so the next argument
        // takes its place and indentation.
        let (start, end) = if starts_line {
            (start, end + text[end..].iter().take_while(blank).count())
        } else {
            (start - before, end)
        };
        edits.push(Edit {
            file: node.file(),
            start: start as u32,
            end: end as u32,
            text: String::new(),
        });
    }
    Ok(format!("remove `{value}` from `{}`", node.name()))
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn render(template: &Template, subject: &Subject<'_, '_>) -> Result<String, PlanError> {
    template.render(subject).map_err(PlanError::Compute)
}

/// A directive's text from its name to its terminator, on one line.
fn statement_text(d: &Directive<'_>) -> String {
    let text = String::from_utf8_lossy(d.tree().slice(d.span())).into_owned();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn statement(directive: &str, args: &str) -> String {
    if args.trim().is_empty() {
        format!("{directive};")
    } else {
        format!("{directive} {args};")
    }
}

fn lines(
    comment: &Option<Template>,
    text: String,
    subject: &Subject<'_, '_>,
) -> Result<Vec<String>, PlanError> {
    let mut out = Vec::new();
    if let Some(comment) = comment {
        for line in render(comment, subject)?.lines() {
            out.push(format!("# {line}").trim_end().to_string());
        }
    }
    out.push(text);
    Ok(out)
}

/// The block an action works in; `None` is the top level of the main file.
fn place<'m>(place: Place, node: Node<'m>) -> Result<Option<Node<'m>>, PlanError> {
    let named = |name: &str| {
        std::iter::once(node)
            .chain(node.ancestors())
            .find(|n| n.name() == name && n.is_block())
            .map(Some)
            .ok_or_else(|| PlanError::NotInside {
                directive: node.name().to_string(),
                block: name.to_string(),
            })
    };
    match place {
        Place::Parent => Ok(node.parent()),
        Place::Own if node.is_block() => Ok(Some(node)),
        Place::Own => Err(PlanError::NoBlock {
            directive: node.name().to_string(),
        }),
        Place::Upstream => upstreams_of(node)
            .first()
            .copied()
            .map(Some)
            .ok_or_else(|| PlanError::NoUpstream {
                directive: node.name().to_string(),
            }),
        Place::Http => named("http"),
        Place::Server => named("server"),
        Place::Location => named("location"),
    }
}

/// The block a new `directive` can go in: `block`, or the nearest
/// enclosing block nginx allows it in. A `proxy_pass` inside `if` is a
/// subject whose parent block refuses `proxy_http_version` and
/// `proxy_set_header`; the enclosing location, which the `if` inherits
/// from, takes them. Directives ngxfix does not know stay where asked.
fn allowed_block<'m>(block: Option<Node<'m>>, directive: &str) -> Option<Node<'m>> {
    let entries = directives::entries(directive);
    if entries.is_empty() {
        return block;
    }
    let mut current = block;
    while let Some(b) = current {
        // A block of unknown kind (in a fragment checked on its own) is
        // taken at its word, except `if`, which refuses most directives
        // wherever it is.
        let Some(kind) = b.block_kind() else {
            if b.name() == "if" {
                current = b.parent();
                continue;
            }
            return Some(b);
        };
        if entries.iter().any(|info| info.contexts.contains(kind)) {
            return Some(b);
        }
        current = b.parent();
    }
    block
}

/// A file of the tree with its style, for rendering new text.
fn text_of<'a>(subject: &'a Subject<'_, '_>, file: FileId) -> FileText<'a> {
    let tree = &subject.env.model.config().file(file).tree;
    subject.env.styles.file(file, tree)
}

/// Where new directives of a logical block are written: the file and the
/// block in it (`None`: the file's top level). A block is written in its
/// own file, except the innermost block of a context written around a
/// fragment, whose inside *is* the fragment: its new directives go to the
/// fragment's top level. Other blocks of such a context are not in any
/// file of the user's, so nothing can be written there (`plan` refuses an
/// edit of the written context whatever made it, the top level included).
fn home<'m>(block: Option<Node<'m>>) -> Result<(FileId, Option<Directive<'m>>), PlanError> {
    let Some(block) = block else {
        return Ok((FileId::FIRST, None));
    };
    let config = block.model().config();
    if config.file(block.file()).origin != FileOrigin::Context {
        return Ok((block.file(), Some(block.directive())));
    }
    let entry = config.entry();
    let holds_entry = block.children_named("include").any(|include| {
        config
            .included(include.file(), &include.directive())
            .is_some_and(|targets| targets.contains(&entry))
    });
    if holds_entry {
        Ok((entry, None))
    } else {
        Err(outside_fragment(config, block.name()))
    }
}

/// Why a fix cannot be made in a fragment: it would change a block the
/// fragment sits in, which is in the nginx.conf that includes it.
fn outside_fragment(config: &crate::config::ConfigTree, block: &str) -> PlanError {
    PlanError::OutsideFragment {
        block: block.to_string(),
        fragment: config.file(config.entry()).display_path().to_string(),
    }
}

/// Insert `lines` at the start or end of a logical block (see [`home`]).
fn insert_in(
    block: Option<Node<'_>>,
    lines: &[String],
    last: bool,
    subject: &Subject<'_, '_>,
) -> Result<Edit, PlanError> {
    let (file, directive) = home(block)?;
    Ok(style::insert_in_block(
        &text_of(subject, file),
        directive.as_ref(),
        lines,
        last,
    ))
}

/// Replace the arguments of an existing directive with `args` (nginx text).
fn replace_args(node: Node<'_>, args: &str) -> Option<Edit> {
    let directive = node.directive();
    let words: Vec<_> = directive.args().collect();
    let current = words
        .iter()
        .map(|w| w.raw().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    if current == args.trim() {
        return None;
    }
    let (start, end, text) = match (words.first(), words.last()) {
        (Some(first), Some(last)) => (first.span().start, last.span().end, args.trim().to_string()),
        _ => {
            let at = directive.name().span().end;
            (at, at, format!(" {}", args.trim()))
        }
    };
    Some(Edit {
        file: node.file(),
        start,
        end,
        text,
    })
}

/// A block with an `include` that was not read (its file was not found in
/// a fragment, or `--no-includes`): the file may set `directive` there
/// already, and a second one would be refused or would change nothing, so
/// no fix adds one there.
fn unread_include(
    block: Option<Node<'_>>,
    model: &crate::model::Model<'_>,
    directive: &str,
) -> Result<(), PlanError> {
    let config = model.config();
    let unread = model
        .in_block(block, "include")
        .find(|n| config.included(n.file(), &n.directive()).is_none());
    match unread {
        Some(include) => Err(PlanError::UnreadInclude {
            include: include.args_text().to_string(),
            line: include.line_col().line,
            directive: directive.to_string(),
        }),
        None => Ok(()),
    }
}

/// The title, and the arguments written.
fn set_action(
    set: &SetAction,
    subject: &Subject<'_, '_>,
    edits: &mut Vec<Edit>,
    claims: &mut Vec<Claim>,
) -> Result<(String, String), PlanError> {
    let args = render(&set.args, subject)?;
    let block = allowed_block(place(set.place, subject.node)?, &set.directive);
    claims.push(claim(block, &set.directive, Vec::new()));
    let model = subject.env.model;
    let existing = model.in_block(block, &set.directive).last();
    let title = format!("set `{}`", statement(&set.directive, &args));
    if let Some(existing) = existing {
        edits.extend(replace_args(existing, &args));
        return Ok((title, args));
    }
    unread_include(block, model, &set.directive)?;
    let new = lines(&set.comment, statement(&set.directive, &args), subject)?;
    let block_file = home(block)?.0;
    let anchor = set
        .after
        .0
        .iter()
        .flat_map(|name| model.in_block(block, name))
        .filter(|n| n.file() == block_file)
        .max_by_key(|n| n.id());
    edits.push(match anchor {
        Some(anchor) => {
            style::insert_after(&text_of(subject, anchor.file()), &anchor.directive(), &new)
        }
        None => insert_in(block, &new, false, subject)?,
    });
    Ok((title, args))
}

/// The values of the words in nginx text such as `Connection ""`: split at
/// whitespace, quotes removed, backslash escapes resolved (as
/// `ngx_conf_read_token()` reads arguments).
fn words(args: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = args.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let quote = (c == '"' || c == '\'').then_some(c);
        if quote.is_some() {
            chars.next();
        }
        let mut word = String::new();
        while let Some(c) = chars.next() {
            match (c, quote) {
                ('\\', _) => word.extend(chars.next()),
                (c, Some(q)) if c == q => break,
                (c, None) if c.is_whitespace() => break,
                (c, _) => word.push(c),
            }
        }
        words.push(word);
    }
    words
}

fn key_of(values: &[String], key: usize) -> Vec<String> {
    values
        .iter()
        .take(key)
        .map(|v| v.to_ascii_lowercase())
        .collect()
}

/// Add to one level: replace the entry with the same key, else append
/// after the level's last entry.
fn add_to_level(
    subject: &Subject<'_, '_>,
    entries: &[Node<'_>],
    add: &AddAction,
    args: &str,
    new: &[String],
    edits: &mut Vec<Edit>,
    claims: &mut Vec<Claim>,
) {
    let key = key_of(&words(args), add.key);
    let level = entries.first().and_then(|n| n.parent());
    claims.push(claim(level, &add.directive, key.clone()));
    let same = entries.iter().find(|n| {
        let values: Vec<String> = n.args().map(|a| a.value().into_owned()).collect();
        key_of(&values, add.key) == key
    });
    match same {
        Some(node) => edits.extend(replace_args(*node, args)),
        None => {
            let last = entries.last().expect("a level has entries");
            edits.push(style::insert_after(
                &text_of(subject, last.file()),
                &last.directive(),
                new,
            ));
        }
    }
}

/// The title, and the arguments written.
fn add_action(
    add: &AddAction,
    subject: &Subject<'_, '_>,
    edits: &mut Vec<Edit>,
    claims: &mut Vec<Claim>,
) -> Result<(String, String), PlanError> {
    let args = render(&add.args, subject)?;
    let block = allowed_block(place(add.place, subject.node)?, &add.directive);
    let model = subject.env.model;
    let new = lines(&add.comment, statement(&add.directive, &args), subject)?;
    match add.scope {
        AddScope::Nearest => {
            let value = effective(model, block, &add.directive);
            // The levels the value was looked for in: an include read past
            // in one of them may hold entries that decide instead.
            let decided = value.nodes().first().and_then(|n| n.parent());
            let mut level = block;
            loop {
                unread_include(level, model, &add.directive)?;
                if level == decided || level.is_none() {
                    break;
                }
                level = level.and_then(|l| l.parent());
            }
            if value.nodes().is_empty() {
                // Nothing inherited to lose: the block gets its first entry,
                // next to the subject when it sits there.
                let node = subject.node;
                let beside = node.parent() == block && home(block)?.0 == node.file();
                claims.push(claim(block, &add.directive, key_of(&words(&args), add.key)));
                edits.push(if beside {
                    style::insert_after(&text_of(subject, node.file()), &node.directive(), &new)
                } else {
                    insert_in(block, &new, false, subject)?
                });
            } else {
                add_to_level(subject, value.nodes(), add, &args, &new, edits, claims);
            }
        }
        AddScope::Everywhere => {
            let top = std::iter::once(block)
                .chain(
                    block
                        .map(|b| b.ancestors().map(Some).collect::<Vec<_>>())
                        .unwrap_or_default(),
                )
                .flatten()
                .find(|n| n.name() == "http")
                .or(block);
            let mut levels: Vec<Option<Node<'_>>> = vec![top];
            for node in model.named(&add.directive) {
                let parent = node.parent();
                let inside = match (top, parent) {
                    (Some(top), Some(p)) => p == top || p.ancestors().any(|a| a == top),
                    (None, _) => true,
                    _ => false,
                };
                if inside && !levels.contains(&parent) {
                    levels.push(parent);
                }
            }
            for level in levels {
                let entries: Vec<Node<'_>> = model.in_block(level, &add.directive).collect();
                if entries.is_empty() {
                    claims.push(claim(level, &add.directive, key_of(&words(&args), add.key)));
                    edits.push(insert_in(level, &new, false, subject)?);
                } else {
                    add_to_level(subject, &entries, add, &args, &new, edits, claims);
                }
            }
        }
    }
    let title = format!("add `{}`", statement(&add.directive, &args));
    Ok((title, args))
}

/// Copy the entries of `name` the subject's level drops (those in effect
/// above it that it does not repeat) before the level's first own entry,
/// as they are written above: the level then sends what it sent before
/// plus its own.
fn restore_action(
    name: &str,
    subject: &Subject<'_, '_>,
    edits: &mut Vec<Edit>,
    claims: &mut Vec<Claim>,
) -> Result<String, PlanError> {
    let node = subject.node;
    let model = subject.env.model;
    let level = crate::model::scope_of(node);
    let lost = crate::model::dropped::dropped(node, name);
    let first = model
        .in_block(level, name)
        .min_by_key(|n| n.id())
        .filter(|_| !lost.is_empty())
        .ok_or_else(|| PlanError::NothingDropped {
            directive: name.to_string(),
        })?;
    unread_include(level, model, name)?;
    let mut new = Vec::new();
    for entry in &lost {
        let d = entry.directive();
        let text = String::from_utf8_lossy(d.tree().slice(d.span())).into_owned();
        let values: Vec<String> = entry.args().map(|a| a.value().into_owned()).collect();
        claims.push(claim(level, name, key_of(&values, 1)));
        new.push(text);
    }
    edits.push(style::insert_before(
        &text_of(subject, first.file()),
        &first.directive(),
        &new,
    ));
    let names: Vec<String> = lost
        .iter()
        .filter_map(|n| n.arg(0).map(|a| a.value().into_owned()))
        .collect();
    Ok(format!(
        "copy the inherited `{name}` {} here",
        names.join(", ")
    ))
}

/// The title, and the directive and arguments written.
fn insert_action(
    insert: &InsertAction,
    subject: &Subject<'_, '_>,
    edits: &mut Vec<Edit>,
    claims: &mut Vec<Claim>,
) -> Result<(String, String, String), PlanError> {
    let name = render(&insert.directive, subject)?;
    let args = render(&insert.args, subject)?;
    let text = match &insert.block {
        Some(block) => {
            let inside = render(block, subject)?;
            let head = format!("{name} {args}");
            format!("{} {{ {} }}", head.trim_end(), inside.trim())
        }
        None => statement(&name, &args),
    };
    let new = lines(&insert.comment, text.clone(), subject)?;
    let node = subject.node;
    let block = node.parent();
    let target = match insert.position {
        Position::First | Position::Last => place(insert.place, node)?,
        Position::Before | Position::After => block,
    };
    // A directive nginx takes once per block is claimed like a `set`.
    let once = crate::model::accepts::rows(&name)
        .iter()
        .any(|row| row.repeat != crate::model::accepts::Repeat::Many);
    if once {
        claims.push(claim(target, &name, Vec::new()));
    }
    let anchors: Vec<Node<'_>> = insert
        .anchor
        .0
        .iter()
        .flat_map(|a| subject.env.model.in_block(block, a))
        .collect();
    let pick = |before: bool| -> Result<Node<'_>, PlanError> {
        if insert.anchor.0.is_empty() {
            return Ok(node);
        }
        let found = if before {
            anchors.iter().min_by_key(|n| n.id())
        } else {
            anchors.iter().max_by_key(|n| n.id())
        };
        found.copied().ok_or_else(|| PlanError::NoAnchor {
            anchors: insert.anchor.0.join(" or "),
            directive: node.name().to_string(),
        })
    };
    edits.push(match insert.position {
        Position::Before => {
            let at = pick(true)?;
            style::insert_before(&text_of(subject, at.file()), &at.directive(), &new)
        }
        Position::After => {
            let at = pick(false)?;
            style::insert_after(&text_of(subject, at.file()), &at.directive(), &new)
        }
        Position::First | Position::Last => {
            insert_in(target, &new, insert.position == Position::Last, subject)?
        }
    });
    Ok((format!("insert `{text}`"), name, args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_read_as_nginx_reads_arguments() {
        assert_eq!(words(r#"Connection """#), ["Connection", ""]);
        assert_eq!(
            words(r#"X-A 'a b'  c\ d "e\"f""#),
            ["X-A", "a b", "c d", "e\"f"]
        );
        assert_eq!(words("  "), Vec::<String>::new());
    }

    #[test]
    fn plan_errors_read_as_before() {
        let text = |e: PlanError| e.to_string();
        assert_eq!(
            text(PlanError::OutsideFragment {
                block: "http".into(),
                fragment: "site.conf".into()
            }),
            "the fix changes the http{} around site.conf, which is not in it (check the file \
             through the nginx.conf that includes it)"
        );
        assert_eq!(
            text(PlanError::NoUpstream {
                directive: "proxy_pass".into()
            }),
            "proxy_pass reaches no upstream{} block"
        );
        assert_eq!(
            text(PlanError::UnreadInclude {
                include: "x.conf".into(),
                line: 3,
                directive: "keepalive".into()
            }),
            "`include x.conf` (line 3) was not read, and the file may set keepalive there already"
        );
        assert_eq!(
            text(PlanError::NotInside {
                directive: "proxy_pass".into(),
                block: "server".into()
            }),
            "proxy_pass is not inside a `server` block"
        );
    }
}

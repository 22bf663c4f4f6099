//! Tomcat's `server.xml`: the idle keepalive timeout of its HTTP
//! `<Connector>` elements.
//!
//! Tomcat waits `keepAliveTimeout` milliseconds for the next request on a
//! kept-alive connection; without it, `connectionTimeout`; without that,
//! 60000 ms (`Constants.DEFAULT_CONNECTION_TIMEOUT`; the server.xml Tomcat
//! ships sets 20000). A value of 0 or below means no timeout (the NIO
//! poller only times out sockets whose timeout is above 0), and
//! `maxKeepAliveRequests="1"` closes every connection with
//! `Connection: close`. Both measured with Tomcat 10.1.
//!
//! The file is scanned by `crate::lang::xml`, not parsed into a tree, so
//! that edits touch only the bytes of one attribute value; comments are
//! skipped (the shipped server.xml has commented-out connectors).

use crate::format::{need, Need, ServerFormat};
use crate::kinds::TOMCAT_CONNECTION_TIMEOUT;
use crate::lang::xml::{start_tags, Attr, Tag};
use crate::text::{self, file_name};
use crate::{Edit, Idle, RaiseError, Reading, Source};
use ngxfix_text::Duration;

/// Tomcat: the HTTP connectors of `server.xml`.
#[derive(Debug)]
pub(crate) struct Tomcat;

impl ServerFormat for Tomcat {
    fn kinds(&self) -> &'static [&'static str] {
        &["tomcat"]
    }

    fn files(&self) -> &'static str {
        "server.xml"
    }

    fn read(&self, src: &Source<'_>) -> Reading {
        read(src)
    }

    fn edits(&self, src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
        edits(src, target)
    }
}

/// The effective idle timeout of the HTTP connectors in `server.xml`: the
/// shortest when there are several.
fn read(src: &Source<'_>) -> Reading {
    let reading = |idle, detail| Reading {
        idle,
        kind: "tomcat",
        detail,
    };
    match http_connectors(src.text) {
        Ok(connectors) => {
            let (idle, detail) = combine(&connectors, file_name(src.path));
            reading(idle, detail)
        }
        Err(why) => {
            let why = why.to_string();
            reading(Idle::Unknown(why.clone()), why)
        }
    }
}

/// Edits that give every HTTP connector below `target` a `keepAliveTimeout`
/// of `target` (Tomcat reads milliseconds, so no rounding is needed).
fn edits(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
    let connectors =
        http_connectors(src.text).map_err(|why| RaiseError::Unknown(why.to_string()))?;
    if connectors.is_empty() {
        return Err(RaiseError::Unknown(no_http_connector(file_name(src.path))));
    }
    let mut edits = Vec::new();
    for c in &connectors {
        if need(&c.idle, target)? == Need::Longer {
            edits.push(raise_connector(src.text, c, target));
        }
    }
    if edits.is_empty() && connectors.iter().all(|c| c.idle == Idle::NoKeepalive) {
        return Err(RaiseError::Pointless(format!(
            "{}: nothing to raise",
            connectors[0].describe_no_keepalive()
        )));
    }
    Ok(edits)
}

/// An HTTP connector with the idle behaviour its attributes give.
struct Connector<'a> {
    tag: Tag<'a>,
    line: usize,
    idle: Idle,
    /// Where the value comes from, for messages.
    detail: String,
}

impl Connector<'_> {
    /// `<Connector port="8080">`, or `<Connector>` without a port.
    fn name(&self) -> String {
        match self.tag.attr("port") {
            Some(port) => format!("<Connector port=\"{}\">", port.value),
            None => "<Connector>".to_string(),
        }
    }

    fn describe_no_keepalive(&self) -> String {
        format!(
            "maxKeepAliveRequests=\"1\" on the {} at line {} closes every connection (Connection: close)",
            self.name(),
            self.line
        )
    }
}

fn no_http_connector(file: &str) -> String {
    format!("{file} has no HTTP <Connector> outside comments")
}

/// Why ngxfix cannot read the file's connectors, or a connector's timeout.
#[derive(Debug, thiserror::Error)]
enum Unreadable {
    #[error("server.xml is not well-formed near line {line}")]
    NotWellFormed { line: usize },
    #[error("the <Connector> at line {line} has {attr} twice, which Tomcat refuses")]
    Repeated { line: usize, attr: String },
    #[error("protocol=\"{value}\" of the <Connector> at line {line} is a property placeholder")]
    PlaceholderProtocol { value: String, line: usize },
    /// `shown`: the attribute and its line (`keepAliveTimeout="x" at line 3`).
    #[error("{shown} is a property placeholder")]
    Placeholder { shown: String },
    #[error("{shown} is not a whole number of milliseconds")]
    NotWhole { shown: String },
    #[error("{shown} does not fit Tomcat's int")]
    TooLarge { shown: String },
}

/// The HTTP connectors of the file, each with its idle behaviour; an error
/// when the file cannot be scanned or a connector's protocol is unresolved.
fn http_connectors(text: &str) -> Result<Vec<Connector<'_>>, Unreadable> {
    let tags = start_tags(text, "Connector").map_err(|at| Unreadable::NotWellFormed {
        line: text::line_of(text, at),
    })?;
    let mut connectors = Vec::new();
    for tag in tags {
        let line = text::line_of(text, tag.start);
        if let Some(attr) = tag.duplicate_attr() {
            return Err(Unreadable::Repeated {
                line,
                attr: attr.to_string(),
            });
        }
        match protocol(&tag) {
            Protocol::Http => {
                let mut c = Connector {
                    tag,
                    line,
                    idle: Idle::Never,
                    detail: String::new(),
                };
                (c.idle, c.detail) = connector_idle(&c);
                connectors.push(c);
            }
            Protocol::Other => {}
            Protocol::Unresolved(value) => {
                return Err(Unreadable::PlaceholderProtocol { value, line })
            }
        }
    }
    Ok(connectors)
}

enum Protocol {
    Http,
    /// AJP, or a protocol handler class that is not HTTP/1.1.
    Other,
    Unresolved(String),
}

/// Whether a connector speaks HTTP/1.1: no `protocol`, `HTTP/1.1`, or an
/// `org.apache.coyote.http11.Http11*Protocol` class.
fn protocol(tag: &Tag<'_>) -> Protocol {
    let Some(attr) = tag.attr("protocol") else {
        return Protocol::Http;
    };
    let value = attr.value.trim();
    if value.contains("${") {
        Protocol::Unresolved(value.to_string())
    } else if value == "HTTP/1.1" || (value.contains("Http11") && value.ends_with("Protocol")) {
        Protocol::Http
    } else {
        Protocol::Other
    }
}

/// A timeout attribute's value: whole milliseconds as Tomcat's
/// `Integer.parseInt` reads them.
enum Millis {
    After(u64),
    /// 0 or negative: no timeout.
    Never,
}

fn millis(attr: &Attr<'_>, line: usize) -> Result<Millis, Unreadable> {
    let v = attr.value;
    let shown = format!("{}=\"{}\" at line {line}", attr.name, v);
    if v.contains("${") {
        return Err(Unreadable::Placeholder { shown });
    }
    let (negative, digits) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Unreadable::NotWhole { shown });
    }
    let n: u64 = match digits.parse() {
        Ok(n) if n <= i32::MAX as u64 => n,
        _ => return Err(Unreadable::TooLarge { shown }),
    };
    Ok(if negative || n == 0 {
        Millis::Never
    } else {
        Millis::After(n)
    })
}

/// The idle behaviour of one HTTP connector and where it comes from.
fn connector_idle(c: &Connector<'_>) -> (Idle, String) {
    let on = format!("on the {} at line {}", c.name(), c.line);
    if let Some(max) = c.tag.attr("maxKeepAliveRequests") {
        if max.value.contains("${") {
            let why = format!(
                "maxKeepAliveRequests=\"{}\" {on} is a property placeholder",
                max.value
            );
            return (Idle::Unknown(why.clone()), why);
        }
        if max.value.trim() == "1" {
            return (Idle::NoKeepalive, c.describe_no_keepalive());
        }
    }
    let (attr, detail) = match (c.tag.attr("keepAliveTimeout"), c.tag.attr("connectionTimeout")) {
        (Some(ka), _) => (ka, format!("keepAliveTimeout=\"{}\" {on}", ka.value)),
        (None, Some(ct)) => (
            ct,
            format!(
                "keepAliveTimeout is not set {on}, so Tomcat uses its connectionTimeout=\"{}\"",
                ct.value
            ),
        ),
        (None, None) => {
            return (
                Idle::After(TOMCAT_CONNECTION_TIMEOUT),
                format!(
                    "neither keepAliveTimeout nor connectionTimeout is set {on}: Tomcat's default connectionTimeout ({} ms)",
                    TOMCAT_CONNECTION_TIMEOUT.as_millis()
                ),
            )
        }
    };
    match millis(attr, c.line) {
        Ok(Millis::After(ms)) => (Idle::After(Duration::from_millis(ms)), detail),
        Ok(Millis::Never) => (Idle::Never, format!("{detail} (no timeout)")),
        Err(why) => {
            let why = why.to_string();
            (Idle::Unknown(why.clone()), why)
        }
    }
}

/// The file's reading from its HTTP connectors: unknown if any is, else the
/// shortest timeout (the one that can cut nginx's pooled connections), else
/// no keepalive if a connector refuses it, else no timeout.
fn combine(connectors: &[Connector<'_>], file: &str) -> (Idle, String) {
    if connectors.is_empty() {
        let why = no_http_connector(file);
        return (Idle::Unknown(why.clone()), why);
    }
    if let Some(c) = connectors
        .iter()
        .find(|c| matches!(c.idle, Idle::Unknown(_)))
    {
        return (c.idle.clone(), c.detail.clone());
    }
    let shortest = connectors
        .iter()
        .filter_map(|c| match c.idle {
            Idle::After(d) => Some((d, c)),
            _ => None,
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    let chosen = shortest
        .or_else(|| connectors.iter().find(|c| c.idle == Idle::NoKeepalive))
        .unwrap_or(&connectors[0]);
    let mut detail = chosen.detail.clone();
    if connectors.len() > 1 {
        detail.push_str(&format!(
            " (the shortest of {} HTTP connectors)",
            connectors.len()
        ));
    }
    (chosen.idle.clone(), detail)
}

/// The edit that gives one connector `keepAliveTimeout="target"`.
fn raise_connector(text: &str, c: &Connector<'_>, target: Duration) -> Edit<()> {
    let ms = target.as_millis().to_string();
    if let Some(ka) = c.tag.attr("keepAliveTimeout") {
        return Edit::new(ka.value_start, ka.value_start + ka.value.len(), ms);
    }
    let attrs = &c.tag.attrs;
    let anchor = attrs
        .iter()
        .position(|a| a.name == "connectionTimeout")
        .or_else(|| attrs.len().checked_sub(1));
    let (at, quote) = match anchor {
        Some(i) => (attrs[i].end, attrs[i].quote),
        None => (c.tag.name_end, '"'),
    };
    Edit::new(
        at,
        at,
        format!(
            "{}keepAliveTimeout={quote}{ms}{quote}",
            separator(text, &c.tag, anchor)
        ),
    )
}

/// What separates attributes in this tag: a line break with the
/// indentation attributes have when they stand one per line (preferring
/// the break next to `anchor`), else one space.
fn separator(text: &str, tag: &Tag<'_>, anchor: Option<usize>) -> String {
    let gap = |i: usize| tag.attrs.get(i).map(|a| &text[a.gap..a.start]);
    let mut candidates: Vec<&str> = Vec::new();
    if let Some(i) = anchor {
        candidates.extend(gap(i));
        candidates.extend(gap(i + 1));
    }
    candidates.extend((0..tag.attrs.len()).rev().filter_map(gap));
    match candidates.into_iter().find(|g| g.contains('\n')) {
        Some(g) => {
            let nl = g.rfind('\n').unwrap_or(0);
            let eol = if g[..nl].ends_with('\r') {
                "\r\n"
            } else {
                "\n"
            };
            format!("{eol}{}", &g[nl + 1..])
        }
        None => " ".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ms;

    fn raise(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
        Tomcat.raise(src, target)
    }

    fn src(text: &str) -> Source<'_> {
        Source {
            path: "conf/server.xml",
            text,
            version: None,
        }
    }

    /// Raise, check the result reads at least `target`, return the text.
    fn raised(text: &str, target_ms: u64) -> String {
        crate::testing::raised(&Tomcat, src(text), Duration::from_millis(target_ms))
    }

    const SHIPPED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- Licensed to the Apache Software Foundation (ASF) -->
<Server port="8005" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <!--
    <Connector executor="tomcatThreadPool"
               port="8080" protocol="HTTP/1.1"
               connectionTimeout="20000"
               redirectPort="8443" />
    -->
    <Connector port="8080" protocol="HTTP/1.1"
               connectionTimeout="20000"
               redirectPort="8443"
               maxParameterCount="1000"
               />
    <!--
    <Connector protocol="AJP/1.3" address="::1" port="8009" redirectPort="8443" />
    -->
    <Engine name="Catalina" defaultHost="localhost">
    </Engine>
  </Service>
</Server>
"#;

    #[test]
    fn the_shipped_file_uses_connection_timeout() {
        let r = read(&src(SHIPPED));
        assert_eq!(r.idle, ms(20_000));
        assert_eq!(r.kind, "tomcat");
        assert_eq!(
            r.detail,
            "keepAliveTimeout is not set on the <Connector port=\"8080\"> at line 11, so Tomcat uses its connectionTimeout=\"20000\""
        );
    }

    #[test]
    fn keep_alive_timeout_wins_over_connection_timeout() {
        let t = "<Server><Service>\n<Connector port='8080' connectionTimeout='20000' keepAliveTimeout='75000'/>\n</Service></Server>";
        let r = read(&src(t));
        assert_eq!(r.idle, ms(75_000));
        assert_eq!(
            r.detail,
            "keepAliveTimeout=\"75000\" on the <Connector port=\"8080\"> at line 2"
        );
    }

    #[test]
    fn no_timeouts_is_tomcats_default() {
        let r = read(&src(
            "<Server><Service><Connector port=\"8080\"/></Service></Server>",
        ));
        assert_eq!(r.idle, ms(60_000));
        assert!(r
            .detail
            .contains("Tomcat's default connectionTimeout (60000 ms)"));
    }

    #[test]
    fn zero_and_negative_mean_no_timeout() {
        let t = |v: &str| format!("<Connector port=\"8080\" keepAliveTimeout=\"{v}\"/>");
        assert_eq!(read(&src(&t("-1"))).idle, Idle::Never);
        assert_eq!(read(&src(&t("0"))).idle, Idle::Never);
        let ct = "<Connector port=\"8080\" connectionTimeout=\"-1\"/>";
        assert_eq!(read(&src(ct)).idle, Idle::Never);
    }

    #[test]
    fn one_request_per_connection_is_no_keepalive() {
        let t = "<Connector port=\"8080\" keepAliveTimeout=\"2000\" maxKeepAliveRequests=\"1\"/>";
        assert_eq!(read(&src(t)).idle, Idle::NoKeepalive);
        assert!(raise(&src(t), Duration::from_secs(61)).is_err());
        let unlimited =
            "<Connector port=\"8080\" keepAliveTimeout=\"2000\" maxKeepAliveRequests=\"0\"/>";
        assert_eq!(read(&src(unlimited)).idle, ms(2000));
    }

    #[test]
    fn ajp_and_commented_connectors_are_skipped() {
        let t = r#"<Server>
  <!-- <Connector port="8081" keepAliveTimeout="1"/> -->
  <Connector protocol="AJP/1.3" port="8009" keepAliveTimeout="1"/>
  <Connector protocol="org.apache.coyote.ajp.AjpNioProtocol" port="8010" connectionTimeout="1"/>
  <Connector protocol="org.apache.coyote.http11.Http11Nio2Protocol" port="8080" connectionTimeout="30000"/>
</Server>"#;
        let r = read(&src(t));
        assert_eq!(r.idle, ms(30_000));
        assert!(r.detail.contains("port=\"8080\""), "{}", r.detail);
    }

    #[test]
    fn several_connectors_give_the_shortest() {
        let t = r#"<Connector port="8080" keepAliveTimeout="75000"/>
<Connector port="8443" protocol="org.apache.coyote.http11.Http11NioProtocol" SSLEnabled="true"
           connectionTimeout="20000">
  <SSLHostConfig><Certificate certificateKeystoreFile="conf/ks" keepAliveTimeout="1"/></SSLHostConfig>
</Connector>"#;
        let r = read(&src(t));
        assert_eq!(r.idle, ms(20_000));
        assert!(
            r.detail.contains("<Connector port=\"8443\"> at line 2"),
            "{}",
            r.detail
        );
        assert!(r.detail.ends_with("(the shortest of 2 HTTP connectors)"));
    }

    #[test]
    fn placeholders_and_odd_values_are_unknown() {
        let cases = [
            "<Connector port=\"8080\" keepAliveTimeout=\"${ka.timeout}\"/>",
            "<Connector port=\"8080\" connectionTimeout=\"${ct}\"/>",
            "<Connector port=\"8080\" keepAliveTimeout=\"20s\"/>",
            "<Connector port=\"8080\" keepAliveTimeout=\" 2000\"/>",
            "<Connector port=\"8080\" keepAliveTimeout=\"99999999999\"/>",
            "<Connector port=\"8080\" protocol=\"${proto}\"/>",
            "<Connector port=\"8080\" maxKeepAliveRequests=\"${max}\"/>",
            "<Connector port=\"8080\" port=\"8081\"/>",
            "<Connector port=\"8080\" keepAliveTimeout=2000/>",
            "<Connector port=\"8080\" keepAliveTimeout=\"2000",
            "<Server><Connector protocol=\"AJP/1.3\"/></Server>",
            "",
        ];
        for t in cases {
            let r = read(&src(t));
            assert!(matches!(r.idle, Idle::Unknown(_)), "{t}: {r:?}");
            assert!(raise(&src(t), Duration::from_secs(61)).is_err(), "{t}");
        }
        let r = read(&src(cases[0]));
        assert_eq!(
            r.idle,
            Idle::Unknown(
                "keepAliveTimeout=\"${ka.timeout}\" at line 1 is a property placeholder".into()
            )
        );
    }

    #[test]
    fn gt_inside_values_and_doctype_do_not_confuse_the_scan() {
        let t = r#"<!DOCTYPE Server [ <!ENTITY x "<Connector port='1' keepAliveTimeout='1'/>"> ]>
<Server><Valve pattern="a > b"/><![CDATA[<Connector keepAliveTimeout="1"/>]]>
<?pi <Connector keepAliveTimeout="1"/> ?>
<Connector port="8080" keepAliveTimeout="5000"/></Server>"#;
        assert_eq!(read(&src(t)).idle, ms(5000));
    }

    #[test]
    fn raise_replaces_the_value_only() {
        let t = "<Connector port='8080' keepAliveTimeout='5000' connectionTimeout='20000'/>";
        assert_eq!(
            raised(t, 61_000),
            "<Connector port='8080' keepAliveTimeout='61000' connectionTimeout='20000'/>"
        );
    }

    #[test]
    fn raise_adds_after_connection_timeout_one_per_line() {
        let out = raised(SHIPPED, 61_000);
        // The live connector, not the commented-out one above it.
        let anchor = "               connectionTimeout=\"20000\"\n               redirectPort=\"8443\"\n               maxParameterCount";
        let at = SHIPPED.find(anchor).expect("the live connector") + anchor.find("\n").unwrap_or(0);
        let mut expected = SHIPPED.to_string();
        expected.insert_str(at, "\n               keepAliveTimeout=\"61000\"");
        assert_eq!(out, expected);
    }

    #[test]
    fn raise_adds_on_one_line_with_one_space() {
        let t = "<Connector port=\"8080\"   protocol=\"HTTP/1.1\" connectionTimeout=\"20000\" redirectPort=\"8443\" />";
        assert_eq!(
            raised(t, 61_000),
            "<Connector port=\"8080\"   protocol=\"HTTP/1.1\" connectionTimeout=\"20000\" keepAliveTimeout=\"61000\" redirectPort=\"8443\" />"
        );
        let bare = "<Connector/>";
        assert_eq!(
            raised(bare, 61_000),
            "<Connector keepAliveTimeout=\"61000\"/>"
        );
        let last = "<Connector port='8080'>\n</Connector>";
        assert_eq!(
            raised(last, 61_000),
            "<Connector port='8080' keepAliveTimeout='61000'>\n</Connector>"
        );
    }

    #[test]
    fn raise_keeps_crlf_and_bom() {
        let t = "\u{feff}<Server>\r\n  <Connector port=\"8080\"\r\n             connectionTimeout=\"20000\" />\r\n</Server>\r\n";
        assert_eq!(
            raised(t, 61_500),
            "\u{feff}<Server>\r\n  <Connector port=\"8080\"\r\n             connectionTimeout=\"20000\"\r\n             keepAliveTimeout=\"61500\" />\r\n</Server>\r\n"
        );
    }

    #[test]
    fn raise_touches_only_connectors_below_target() {
        let t = "<Connector port=\"8080\" keepAliveTimeout=\"90000\"/>\n<Connector port=\"8081\" connectionTimeout=\"5000\"/>\n<Connector port=\"8082\" keepAliveTimeout=\"-1\"/>";
        assert_eq!(
            raised(t, 61_000),
            "<Connector port=\"8080\" keepAliveTimeout=\"90000\"/>\n<Connector port=\"8081\" connectionTimeout=\"5000\" keepAliveTimeout=\"61000\"/>\n<Connector port=\"8082\" keepAliveTimeout=\"-1\"/>"
        );
    }

    #[test]
    fn already_enough_needs_no_edit() {
        let t = "<Connector port=\"8080\" keepAliveTimeout=\"75000\"/>";
        assert_eq!(raise(&src(t), Duration::from_secs(61)), Ok(vec![]));
        let never = "<Connector port=\"8080\" connectionTimeout=\"-1\"/>";
        assert_eq!(raise(&src(never), Duration::from_secs(61)), Ok(vec![]));
    }

    #[test]
    fn the_example_reads_and_raises() {
        let t = include_str!("../../../../examples/backends/tomcat/server.xml");
        assert_eq!(read(&src(t)).idle, ms(20_000));
        let out = raised(t, 61_000);
        assert!(out.contains("               connectionTimeout=\"20000\"\n               keepAliveTimeout=\"61000\"\n               redirectPort=\"8443\""), "{out}");
        assert_eq!(
            out.len(),
            t.len() + "\n               keepAliveTimeout=\"61000\"".len()
        );
    }

    #[test]
    fn never_panics_on_truncated_input() {
        for end in 0..=SHIPPED.len() {
            if SHIPPED.is_char_boundary(end) {
                let t = &SHIPPED[..end];
                let _ = read(&src(t));
                let _ = raise(&src(t), Duration::from_secs(61));
            }
        }
        for t in [
            "<",
            "<C",
            "<Connector",
            "<Connector a",
            "<Connector a=",
            "<Connector a='",
            "<!--",
            "<!DOCTYPE [",
            "é<Connector é='é'/>",
        ] {
            let _ = read(&src(t));
            let _ = raise(&src(t), Duration::from_secs(61));
        }
    }

    /// Token soup: never a panic, and a successful raise always reads at
    /// least the target afterwards.
    #[test]
    fn random_token_soup() {
        let tokens = [
            "<Connector",
            " port=\"8080\"",
            " keepAliveTimeout=\"",
            "\"",
            "'",
            " connectionTimeout='2000'",
            "/>",
            ">",
            "<!--",
            "-->",
            "<![CDATA[",
            "]]>",
            "<?",
            "?>",
            "<!DOCTYPE",
            "[",
            "]",
            "\n",
            "\r\n",
            " ",
            "=",
            "5000",
            "-1",
            "${x}",
            " protocol=\"AJP/1.3\"",
            " maxKeepAliveRequests=\"1\"",
            "é",
            "\u{feff}",
        ];
        crate::testing::token_soup(&Tomcat, &["server.xml"], &tokens, 4000);
    }
}

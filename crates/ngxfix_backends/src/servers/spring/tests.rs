use super::*;
use crate::testing::ms;

fn raise(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
    SpringBoot.raise(src, target)
}

fn read_as(path: &str, text: &str) -> Reading {
    read(&Source {
        path,
        text,
        version: None,
    })
}

fn yml(text: &str) -> Reading {
    read_as("src/main/resources/application.yml", text)
}

fn props(text: &str) -> Reading {
    read_as("application.properties", text)
}

/// Raise to `target_ms`, check the result reads at least that, and
/// return the new text.
fn raised(path: &str, text: &str, target_ms: u64) -> String {
    let src = Source {
        path,
        text,
        version: None,
    };
    crate::testing::raised(&SpringBoot, src, Duration::from_millis(target_ms))
}

fn raise_err(path: &str, text: &str) -> String {
    raise(
        &Source {
            path,
            text,
            version: None,
        },
        Duration::from_secs(61),
    )
    .expect_err("not raisable")
    .to_string()
}

#[test]
fn durations_convert_exactly() {
    let d = |v: &str| parse_duration(v).map(|(m, _)| m);
    assert_eq!(d("75s"), Ok(Millis::After(75_000)));
    assert_eq!(d("500ms"), Ok(Millis::After(500)));
    assert_eq!(d("1m"), Ok(Millis::After(60_000)));
    assert_eq!(d("2h"), Ok(Millis::After(7_200_000)));
    assert_eq!(d("1d"), Ok(Millis::After(86_400_000)));
    assert_eq!(d("75S"), Ok(Millis::After(75_000)));
    assert_eq!(d("20000"), Ok(Millis::After(20_000)));
    assert_eq!(d("+5s"), Ok(Millis::After(5_000)));
    assert_eq!(d("1500000us"), Ok(Millis::After(1500)));
    assert_eq!(d("2500000ns"), Ok(Millis::After(2)));
    assert_eq!(d("999us"), Ok(Millis::Never));
    assert_eq!(d("0"), Ok(Millis::Never));
    assert_eq!(d("-1"), Ok(Millis::Never));
    assert_eq!(d("-1s"), Ok(Millis::Never));
    assert_eq!(d("PT75S"), Ok(Millis::After(75_000)));
    assert_eq!(d("pt1m30s"), Ok(Millis::After(90_000)));
    assert_eq!(d("PT1.5S"), Ok(Millis::After(1500)));
    assert_eq!(d("PT0,25S"), Ok(Millis::After(250)));
    assert_eq!(d("P1DT1H"), Ok(Millis::After(90_000_000)));
    assert_eq!(d("PT1H2M3.004S"), Ok(Millis::After(3_723_004)));
    assert_eq!(d("-PT5S"), Ok(Millis::Never));
    for bad in [
        "1.5s",
        "75 s",
        "75sec",
        "5x",
        "",
        "s",
        "P",
        "PT",
        "PT5",
        "P1H",
        "PT-5S",
        "1e3",
        "99999999999",
    ] {
        assert!(d(bad).is_err(), "{bad}");
    }
}

#[test]
fn styles_write_the_target_their_way() {
    let t = Duration::from_millis(61_000);
    let style = |v: &str| parse_duration(v).map(|(_, s)| s).unwrap();
    assert_eq!(style("75s").write(t), "61s");
    assert_eq!(style("75S").write(t), "61S");
    assert_eq!(style("20000").write(t), "61000");
    assert_eq!(style("5000ms").write(t), "61000ms");
    assert_eq!(style("1m").write(t), "61s");
    assert_eq!(style("1m").write(Duration::from_secs(120)), "2m");
    assert_eq!(style("PT5S").write(t), "PT61S");
    assert_eq!(
        style("pt5s").write(Duration::from_millis(61_500)),
        "pt61.5s"
    );
    assert_eq!(style("5s").write(Duration::from_millis(61_500)), "61500ms");
    assert_eq!(style("5000000us").write(t), "61000000us");
}

#[test]
fn default_when_nothing_is_set() {
    let r = props("server.port=8080\n");
    assert_eq!(r.idle, ms(60_000));
    assert_eq!(r.kind, "spring-boot");
    assert_eq!(
            r.detail,
            "server.tomcat.keep-alive-timeout is not set in application.properties: embedded Tomcat's default (connectionTimeout, 60s)"
        );
    assert_eq!(yml("").idle, ms(60_000));
}

#[test]
fn properties_syntaxes() {
    let cases = [
        "server.tomcat.keep-alive-timeout=5s",
        "server.tomcat.keep-alive-timeout = 5s",
        "server.tomcat.keep-alive-timeout: 5s",
        "server.tomcat.keep-alive-timeout 5s",
        "  server.tomcat.keepAliveTimeout=5000",
        "server.tomcat.keep_alive_timeout=PT5S",
        "SERVER.TOMCAT.KEEP-ALIVE-TIMEOUT=5s",
        "server.tomcat.keep-alive-timeout=\\\n    5s",
        "server.tomcat.keep-alive-timeout=5s   ",
    ];
    for t in cases {
        assert_eq!(props(t).idle, ms(5000), "{t:?}");
    }
    let r = props("# comment\n! another\nserver.tomcat.keep-alive-timeout = 5s\n");
    assert_eq!(r.detail, "server.tomcat.keep-alive-timeout=5s at line 3");
    let commented = props("#server.tomcat.keep-alive-timeout=5s\n");
    assert_eq!(commented.idle, ms(60_000));
    let later_wins =
        props("server.tomcat.keep-alive-timeout=5s\nserver.tomcat.keep-alive-timeout=90s\n");
    assert_eq!(later_wins.idle, ms(90_000));
}

#[test]
fn connection_timeout_is_the_fallback() {
    let r = props("server.tomcat.connection-timeout=20s\n");
    assert_eq!(r.idle, ms(20_000));
    assert_eq!(
            r.detail,
            "server.tomcat.keep-alive-timeout is not set, so Tomcat uses server.tomcat.connection-timeout=20s at line 1"
        );
    let both =
        props("server.tomcat.keep-alive-timeout=75s\nserver.tomcat.connection-timeout=20s\n");
    assert_eq!(both.idle, ms(75_000));
}

#[test]
fn no_timeout_and_no_keepalive() {
    assert_eq!(
        props("server.tomcat.keep-alive-timeout=-1").idle,
        Idle::Never
    );
    assert_eq!(
        props("server.tomcat.connection-timeout=0").idle,
        Idle::Never
    );
    let one =
        props("server.tomcat.keep-alive-timeout=5s\nserver.tomcat.max-keep-alive-requests=1\n");
    assert_eq!(one.idle, Idle::NoKeepalive);
    let err = raise_err(
        "application.properties",
        "server.tomcat.max-keep-alive-requests=1\n",
    );
    assert!(err.contains("closes every connection"), "{err}");
    let unlimited = props("server.tomcat.max-keep-alive-requests=-1\n");
    assert_eq!(unlimited.idle, ms(60_000));
}

#[test]
fn placeholders_and_bad_values_are_unknown() {
    for t in [
        "server.tomcat.keep-alive-timeout=${KEEP_ALIVE:75s}",
        "server.tomcat.connection-timeout=${CT}",
        "server.tomcat.keep-alive-timeout=1.5s",
        "server.tomcat.keep-alive-timeout=",
        "server.tomcat.max-keep-alive-requests=${MAX}",
        "server.connection-timeout=5s",
    ] {
        assert!(matches!(props(t).idle, Idle::Unknown(_)), "{t}");
        raise_err("application.properties", t);
    }
    assert_eq!(
            props("server.tomcat.keep-alive-timeout=${KA:75s}").idle,
            Idle::Unknown("server.tomcat.keep-alive-timeout=${KA:75s} at line 1 is a placeholder, resolved from the environment at startup".into())
        );
    let boot3 = read(&Source {
        path: "application.properties",
        text: "server.connection-timeout=5s",
        version: Some(3),
    });
    assert_eq!(boot3.idle, ms(60_000));
    assert!(boot3.detail.contains("ignored since Spring Boot 3"));
}

#[test]
fn yaml_syntaxes() {
    let cases = [
            "server:\n  tomcat:\n    keep-alive-timeout: 5s\n",
            "server:\n    tomcat:\n        keepAliveTimeout: 5000   # five seconds\n",
            "server.tomcat.keep-alive-timeout: 5s\n",
            "server:\n  tomcat.keep-alive-timeout: \"5s\"\n",
            "server:\n  port: 8080\n  tomcat:\n    threads:\n      max: 200\n    keep-alive-timeout: 'PT5S'\n",
            "'server':\n  \"tomcat\":\n    keep_alive_timeout: 5s\n",
            "spring:\n  application:\n    name: demo\nserver:\n  tomcat:\n    keep-alive-timeout: 5s\n",
        ];
    for t in cases {
        assert_eq!(yml(t).idle, ms(5000), "{t:?}");
    }
    let r = yml("server:\n  tomcat:\n    keep-alive-timeout: 5s\n");
    assert_eq!(r.detail, "server.tomcat.keep-alive-timeout: 5s at line 3");
    // Not under server.tomcat.
    let elsewhere = "server:\n  jetty:\n    keep-alive-timeout: 5s\nother:\n  tomcat:\n    keep-alive-timeout: 5s\n";
    assert_eq!(yml(elsewhere).idle, ms(60_000));
    // Text of a block scalar is not a key.
    let block = "script: |\n  server.tomcat.keep-alive-timeout: 5s\nserver:\n  port: 80\n";
    assert_eq!(yml(block).idle, ms(60_000));
    // Items of a list are not server settings.
    let list = "server:\n  - tomcat:\n      keep-alive-timeout: 5s\n";
    assert_eq!(yml(list).idle, ms(60_000));
}

#[test]
fn yaml_that_cannot_be_read_is_unknown() {
    for t in [
        "server: {tomcat: {keep-alive-timeout: 5s}}\n",
        "server:\n  tomcat: *defaults\n",
        "server:\n  tomcat:\n    <<: *defaults\n",
        "server:\n  tomcat:\n    keep-alive-timeout: *ka\n",
        "server:\n  tomcat:\n    keep-alive-timeout: ${KA:75s}\n",
        "server:\n  tomcat:\n    keep-alive-timeout:\n",
    ] {
        assert!(matches!(yml(t).idle, Idle::Unknown(_)), "{t}");
        raise_err("application.yml", t);
    }
}

#[test]
fn profile_documents() {
    let base_only = "server:\n  tomcat:\n    keep-alive-timeout: 20s\n---\nspring:\n  config:\n    activate:\n      on-profile: dev\nlogging.level.root: debug\n";
    assert_eq!(yml(base_only).idle, ms(20_000));
    let differs = "server:\n  tomcat:\n    keep-alive-timeout: 20s\n---\nspring:\n  config:\n    activate:\n      on-profile: prod\nserver:\n  tomcat:\n    keep-alive-timeout: 5s\n";
    match yml(differs).idle {
        Idle::Unknown(why) => assert!(
            why.contains("20s by default")
                && why.contains("5s with spring.config.activate.on-profile: prod at line 8"),
            "{why}"
        ),
        other => panic!("{other:?}"),
    }
    raise_err("application.yml", differs);
    let same = "server.tomcat.keep-alive-timeout: 20s\n---\nspring.profiles: prod\nserver.tomcat.keep-alive-timeout: 20s\n";
    assert_eq!(yml(same).idle, ms(20_000));
    let only = "spring.config.activate.on-profile: prod\nserver.tomcat.keep-alive-timeout: 5s\n";
    let r = yml(only);
    assert_eq!(r.idle, ms(5000));
    assert!(
        r.detail
            .ends_with("(in the document for spring.config.activate.on-profile: prod at line 1)"),
        "{}",
        r.detail
    );
    let active_is_not_a_condition =
        "spring:\n  profiles:\n    active: prod\nserver.tomcat.keep-alive-timeout: 5s\n";
    assert_eq!(yml(active_is_not_a_condition).idle, ms(5000));
    let legacy_list = "server.tomcat.keep-alive-timeout: 20s\n---\nspring:\n  profiles:\n    - prod\nserver.tomcat.keep-alive-timeout: 5s\n";
    assert!(matches!(yml(legacy_list).idle, Idle::Unknown(_)));
    let props_docs = "server.tomcat.keep-alive-timeout=20s\n#---\nspring.config.activate.on-profile=prod\nserver.tomcat.keep-alive-timeout=5s\n";
    assert!(matches!(props(props_docs).idle, Idle::Unknown(_)));
    // `#---` right after another `#` comment is a comment to Spring
    // Boot's loader: one document, all of it for the prod profile.
    let not_a_separator = "server.tomcat.keep-alive-timeout=20s\n# profiles\n#---\nspring.config.activate.on-profile=prod\nserver.tomcat.keep-alive-timeout=5s\n";
    assert_eq!(props(not_a_separator).idle, ms(5000));
}

#[test]
fn properties_documents_follow_spring_boots_separator_rules() {
    // `!---` separates too.
    let bang = "server.tomcat.keep-alive-timeout=20s\n!---\nspring.config.activate.on-profile=prod\nserver.tomcat.keep-alive-timeout=5s\n";
    assert!(matches!(props(bang).idle, Idle::Unknown(_)));
    // A comment right after the separator cancels it: one document,
    // all of it for the prod profile (spring-boot#22963).
    let folded = "server.tomcat.keep-alive-timeout=20s\n#---\n# prod\nspring.config.activate.on-profile=prod\nserver.tomcat.keep-alive-timeout=5s\n";
    assert_eq!(props(folded).idle, ms(5000));
    // Indented, it is a comment.
    let indented =
        "server.tomcat.keep-alive-timeout=20s\n  #---\nspring.config.activate.on-profile=prod\n";
    let r = props(indented);
    assert_eq!(r.idle, ms(20_000));
    assert!(
        r.detail
            .ends_with("(in the document for spring.config.activate.on-profile=prod at line 3)"),
        "{}",
        r.detail
    );
    // Line numbers count continued lines.
    let continued = "a=1\\\n  2\nserver.tomcat.keep-alive-timeout=5s\n";
    assert_eq!(
        props(continued).detail,
        "server.tomcat.keep-alive-timeout=5s at line 3"
    );
}

#[test]
fn raise_replaces_properties_values_in_style() {
    let p = "application.properties";
    assert_eq!(
        raised(
            p,
            "server.port=8080\nserver.tomcat.keep-alive-timeout = 5s\n",
            61_000
        ),
        "server.port=8080\nserver.tomcat.keep-alive-timeout = 61s\n"
    );
    assert_eq!(
        raised(p, "server.tomcat.keepAliveTimeout=5000", 61_000),
        "server.tomcat.keepAliveTimeout=61000"
    );
    assert_eq!(
        raised(p, "server.tomcat.keep-alive-timeout: PT5S\n", 61_500),
        "server.tomcat.keep-alive-timeout: PT61.5S\n"
    );
}

#[test]
fn raise_adds_properties_in_the_file_style() {
    let p = "application.properties";
    assert_eq!(
            raised(p, "server.port = 8080\nserver.tomcat.connection-timeout = 20s\nspring.application.name = demo\n", 61_000),
            "server.port = 8080\nserver.tomcat.connection-timeout = 20s\nserver.tomcat.keep-alive-timeout = 61s\nspring.application.name = demo\n"
        );
    assert_eq!(
        raised(p, "server.tomcat.connectionTimeout:20000\n", 61_000),
        "server.tomcat.connectionTimeout:20000\nserver.tomcat.keepAliveTimeout:61s\n"
    );
    assert_eq!(
            raised(p, "server.port=8080\nserver.tomcat.threads.max=50\nspring.main.banner-mode=off\n", 61_000),
            "server.port=8080\nserver.tomcat.threads.max=50\nserver.tomcat.keep-alive-timeout=61s\nspring.main.banner-mode=off\n"
        );
    assert_eq!(
        raised(p, "spring.application.name: demo\n# the end\n", 61_000),
        "spring.application.name: demo\nserver.tomcat.keep-alive-timeout: 61s\n# the end\n"
    );
    assert_eq!(
        raised(p, "", 61_000),
        "server.tomcat.keep-alive-timeout=61s\n"
    );
    assert_eq!(
            raised(p, "# only comments\n\n#---\nspring.config.activate.on-profile=dev\nlogging.level.root=debug\n", 61_000),
            "# only comments\n\nserver.tomcat.keep-alive-timeout=61s\n#---\nspring.config.activate.on-profile=dev\nlogging.level.root=debug\n"
        );
}

#[test]
fn raise_keeps_crlf_and_bom() {
    let p = "application.properties";
    assert_eq!(
            raised(p, "\u{feff}server.port=8080\r\nserver.tomcat.connection-timeout=20s\r\n", 61_000),
            "\u{feff}server.port=8080\r\nserver.tomcat.connection-timeout=20s\r\nserver.tomcat.keep-alive-timeout=61s\r\n"
        );
    let y = "application.yml";
    assert_eq!(
        raised(y, "\u{feff}server:\r\n  port: 8080\r\n", 61_000),
        "\u{feff}server:\r\n  port: 8080\r\n  tomcat:\r\n    keep-alive-timeout: 61s\r\n"
    );
    assert_eq!(
        raised(
            y,
            "\u{feff}server:\r\n  tomcat:\r\n    keep-alive-timeout: \"5s\"\r\n",
            61_000
        ),
        "\u{feff}server:\r\n  tomcat:\r\n    keep-alive-timeout: \"61s\"\r\n"
    );
}

#[test]
fn raise_edits_yaml_in_place() {
    let y = "application.yml";
    assert_eq!(
        raised(
            y,
            "server:\n  tomcat:\n    keep-alive-timeout: 5s # short\n",
            61_000
        ),
        "server:\n  tomcat:\n    keep-alive-timeout: 61s # short\n"
    );
    assert_eq!(
        raised(
            y,
            "server:\n  tomcat:\n    keep-alive-timeout: 'PT5S'\n",
            61_000
        ),
        "server:\n  tomcat:\n    keep-alive-timeout: 'PT61S'\n"
    );
}

#[test]
fn raise_adds_yaml_where_it_belongs() {
    let y = "application.yml";
    // Under the existing tomcat: mapping, after its last line.
    assert_eq!(
            raised(y, "server:\n    port: 8080\n    tomcat:\n        threads:\n            max: 50\nspring:\n    main:\n        banner-mode: off\n", 61_000),
            "server:\n    port: 8080\n    tomcat:\n        threads:\n            max: 50\n        keep-alive-timeout: 61s\nspring:\n    main:\n        banner-mode: off\n"
        );
    // Next to connection-timeout, in its naming style.
    assert_eq!(
            raised(y, "server:\n  tomcat:\n    connectionTimeout: 20s\n    accept-count: 10\n", 61_000),
            "server:\n  tomcat:\n    connectionTimeout: 20s\n    keepAliveTimeout: 61s\n    accept-count: 10\n"
        );
    assert_eq!(
        raised(y, "server.tomcat.connection-timeout: 20s\n", 61_000),
        "server.tomcat.connection-timeout: 20s\nserver.tomcat.keep-alive-timeout: 61s\n"
    );
    // A tomcat: level under server:.
    assert_eq!(
            raised(y, "server:\n  port: 8080\n  servlet:\n    context-path: /api\nlogging:\n  level:\n    root: info\n", 61_000),
            "server:\n  port: 8080\n  servlet:\n    context-path: /api\n  tomcat:\n    keep-alive-timeout: 61s\nlogging:\n  level:\n    root: info\n"
        );
    // Dotted keys stay dotted.
    assert_eq!(
        raised(y, "server:\n  tomcat.threads.max: 50\n  port: 80\n", 61_000),
        "server:\n  tomcat.threads.max: 50\n  tomcat.keep-alive-timeout: 61s\n  port: 80\n"
    );
    assert_eq!(
        raised(
            y,
            "server.port: 8080\nspring.application.name: demo\n",
            61_000
        ),
        "server.port: 8080\nserver.tomcat.keep-alive-timeout: 61s\nspring.application.name: demo\n"
    );
    // No server settings: new mappings in the file's indentation.
    assert_eq!(
            raised(y, "spring:\n    application:\n        name: demo\n", 61_000),
            "spring:\n    application:\n        name: demo\nserver:\n    tomcat:\n        keep-alive-timeout: 61s\n"
        );
    assert_eq!(
        raised(y, "", 61_000),
        "server:\n  tomcat:\n    keep-alive-timeout: 61s\n"
    );
    // In the first document, before the profile ones.
    assert_eq!(
            raised(y, "spring:\n  application:\n    name: demo\n---\nspring.config.activate.on-profile: dev\nlogging.level.root: debug\n", 61_000),
            "spring:\n  application:\n    name: demo\nserver:\n  tomcat:\n    keep-alive-timeout: 61s\n---\nspring.config.activate.on-profile: dev\nlogging.level.root: debug\n"
        );
    // After a leading document marker.
    assert_eq!(
            raised(y, "---\nspring:\n  application:\n    name: demo\n", 61_000),
            "---\nspring:\n  application:\n    name: demo\nserver:\n  tomcat:\n    keep-alive-timeout: 61s\n"
        );
    assert_eq!(
        raised(y, "---\n", 61_000),
        "---\nserver:\n  tomcat:\n    keep-alive-timeout: 61s\n"
    );
    // A file without a final line break.
    assert_eq!(
        raised(y, "server:\n  port: 80", 61_000),
        "server:\n  port: 80\n  tomcat:\n    keep-alive-timeout: 61s"
    );
}

#[test]
fn raise_touches_every_document_that_decides() {
    let y = "application.yml";
    let same = "server.tomcat.keep-alive-timeout: 20s\n---\nspring.config.activate.on-profile: prod\nserver.tomcat.keep-alive-timeout: 20s\n";
    assert_eq!(
            raised(y, same, 61_000),
            "server.tomcat.keep-alive-timeout: 61s\n---\nspring.config.activate.on-profile: prod\nserver.tomcat.keep-alive-timeout: 61s\n"
        );
    let only = "spring.config.activate.on-profile=prod\nserver.port=80\n";
    assert_eq!(
            raised("application-prod.properties", only, 61_000),
            "spring.config.activate.on-profile=prod\nserver.port=80\nserver.tomcat.keep-alive-timeout=61s\n"
        );
}

#[test]
fn already_enough_needs_no_edit() {
    let src = Source {
        path: "application.yml",
        text: "server.tomcat.keep-alive-timeout: 75s\n",
        version: None,
    };
    assert_eq!(raise(&src, Duration::from_secs(61)), Ok(vec![]));
    let never = Source {
        path: "application.properties",
        text: "server.tomcat.keep-alive-timeout=-1\n",
        version: None,
    };
    assert_eq!(raise(&never, Duration::from_secs(61)), Ok(vec![]));
    let default = Source {
        path: "application.properties",
        text: "",
        version: None,
    };
    assert_eq!(raise(&default, Duration::from_secs(60)), Ok(vec![]));
}

#[test]
fn a_line_that_would_swallow_the_addition_is_refused() {
    // The last line continues with `\` into the end of the file: a line
    // added after it would become part of its value.
    let err = raise_err("application.properties", "spring.application.name=demo\\");
    assert!(err.contains("could not place the change safely"), "{err}");
}

#[test]
fn multi_line_values_are_read_but_not_edited() {
    let t = "server.tomcat.keep-alive-timeout=\\\n  5s\n";
    assert_eq!(props(t).idle, ms(5000));
    assert!(raise_err("application.properties", t).contains("edit it by hand"));
}

#[test]
fn the_example_reads_and_raises() {
    let t = include_str!("../../../../../examples/backends/spring-boot/application.yml");
    let r = yml(t);
    assert_eq!(r.idle, ms(20_000));
    assert_eq!(
            r.detail,
            "server.tomcat.keep-alive-timeout is not set, so Tomcat uses server.tomcat.connection-timeout: 20s at line 18"
        );
    let out = raised("application.yml", t, 61_000);
    assert_eq!(
        out,
        t.replace(
            "    connection-timeout: 20s\n",
            "    connection-timeout: 20s\n    keep-alive-timeout: 61s\n"
        )
    );
}

#[test]
fn never_panics() {
    let samples = [
        "server:\n  tomcat:\n    keep-alive-timeout: 'PT5S'\n---\nspring.profiles: x\n",
        "server.tomcat.keep-alive-timeout=\\\n5s\\\n",
        "é: ü\n  ö:\n\"x\n'y: 'z\n- a: b\n? c\n",
        "\u{feff}",
        "#---\n#---\n!---\n",
    ];
    for text in samples {
        for end in 0..=text.len() {
            if !text.is_char_boundary(end) {
                continue;
            }
            for path in ["a.yml", "a.properties"] {
                let src = Source {
                    path,
                    text: &text[..end],
                    version: None,
                };
                let _ = read(&src);
                let _ = raise(&src, Duration::from_secs(61));
            }
        }
    }
}

/// Token soup: never a panic, and a successful raise always reads at
/// least the target afterwards.
#[test]
fn random_token_soup() {
    let tokens = [
        "server",
        "tomcat",
        "keep-alive-timeout",
        "connection-timeout",
        "max-keep-alive-requests",
        ".",
        ":",
        ": ",
        " ",
        "\n",
        "\r\n",
        "---\n",
        "#",
        " #",
        "'",
        "\"",
        "{",
        "[",
        "- ",
        "\\",
        "=",
        "é",
        "${",
        "5s",
        "20000",
        "PT5S",
        "|",
        "&a",
        "*a",
        "<<",
        "spring.profiles",
        "config.activate.on-profile",
        "#---\n",
        "!---\n",
        "\t",
        "-1",
        "\u{feff}",
    ];
    crate::testing::token_soup(
        &SpringBoot,
        &["application.yml", "application.properties"],
        &tokens,
        4000,
    );
}

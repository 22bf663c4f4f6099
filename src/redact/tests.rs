//! The whole pass on small trees: what goes, what stays, in which shape.

use super::*;
use crate::config::from_texts;

fn run(files: &[(&str, &str)], hosts: bool) -> (Vec<String>, Redacted) {
    let config = from_texts(files);
    let redacted = redact(&config, Options { hosts }).unwrap();
    let texts = redacted
        .texts
        .iter()
        .map(|t| String::from_utf8(t.clone()).unwrap())
        .collect();
    (texts, redacted)
}

fn one(text: &str) -> String {
    run(&[("/etc/nginx/nginx.conf", text)], false).0.remove(0)
}

fn one_hosts(text: &str) -> String {
    run(&[("/etc/nginx/nginx.conf", text)], true).0.remove(0)
}

#[test]
fn header_credentials_keep_quotes_and_scheme() {
    assert_eq!(
        one("proxy_set_header Authorization \"Basic dXNlcjpwYXNz\";\n"),
        "proxy_set_header Authorization \"Basic REDACTED_TOKEN_1\";\n"
    );
    assert_eq!(
        one("add_header X-Api-Key 'k3y-v4lue' always;\n"),
        "add_header X-Api-Key 'REDACTED_TOKEN_1' always;\n"
    );
    let kept = "proxy_set_header Authorization $http_authorization;\n";
    assert_eq!(one(kept), kept);
    assert_eq!(
        one("proxy_set_header Cookie \"sid=abc123; lang=en\";\n"),
        "proxy_set_header Cookie \"sid=REDACTED_COOKIE_1; lang=REDACTED_COOKIE_2\";\n"
    );
}

#[test]
fn same_secret_same_placeholder_across_files_and_comments() {
    let (texts, redacted) = run(
        &[
            (
                "/etc/nginx/nginx.conf",
                "http {\n    proxy_set_header X-Token s3cretTokenValue;\n    include b.conf;\n}\n",
            ),
            (
                "/etc/nginx/b.conf",
                "# rotate s3cretTokenValue yearly\nset $auth_token s3cretTokenValue;\n",
            ),
        ],
        false,
    );
    assert!(texts[0].contains("X-Token REDACTED_TOKEN_1;"));
    assert_eq!(
        texts[1],
        "# rotate REDACTED_TOKEN_1 yearly\nset $auth_token REDACTED_TOKEN_1;\n"
    );
    let lines: Vec<(usize, u32)> = redacted.entries.iter().map(|e| (e.file, e.line)).collect();
    assert_eq!(lines, [(0, 2), (1, 1), (1, 2)]);
}

#[test]
fn url_passwords_map_keys_and_secure_links() {
    let text = "http {\n\
        upstream db { server admin:pa55word@10.0.0.5:5432; }\n\
        map $http_x_api_key $client {\n    default none;\n    abcd1234efgh client_a;\n    ~*^prefix_zyxwvut987 client_b;\n}\n\
        secure_link_secret mySecretWord;\n\
        secure_link_md5 \"$secure_link_expires$uri$remote_addr s3cr3t\";\n\
        server { location / { proxy_pass http://user:hunter22@backend.internal:8080; } }\n\
        }\n";
    let out = one(text);
    for secret in [
        "pa55word",
        "abcd1234efgh",
        "zyxwvut987",
        "mySecretWord",
        "s3cr3t",
        "hunter22",
    ] {
        assert!(!out.contains(secret), "{secret} in:\n{out}");
    }
    assert!(out.contains("server admin:REDACTED_PASSWORD_1@10.0.0.5:5432;"));
    assert!(out.contains("~*^REDACTED_KEY_2 client_b;"), "{out}");
    assert!(out.contains("default none;"));
    assert!(out.contains("http://user:REDACTED_PASSWORD_2@backend.internal:8080;"));
    assert!(out.contains("$remote_addr REDACTED_SECRET_2\""), "{out}");
}

#[test]
fn secret_files_are_named_not_read() {
    let text = "ssl_certificate_key /etc/ssl/private/site.key;\nauth_basic \"Restricted Area\";\nauth_basic_user_file /etc/nginx/.htpasswd;\n";
    let (texts, redacted) = run(&[("/etc/nginx/nginx.conf", text)], false);
    assert_eq!(texts[0], text, "paths stay: they are not secrets");
    let unread: Vec<(&str, u32)> = redacted
        .unread
        .iter()
        .map(|u| (u.directive.as_str(), u.line))
        .collect();
    assert_eq!(
        unread,
        [("ssl_certificate_key", 1), ("auth_basic_user_file", 3)]
    );
    assert!(redacted.entries.is_empty(), "the realm is not secret");
}

#[test]
fn inline_keys_keep_their_lines() {
    let text = "ssl_certificate_key \"data:-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\n-----END PRIVATE KEY-----\";\nkeepalive_timeout 5s;\n";
    let out = one(text);
    assert_eq!(
        out,
        "ssl_certificate_key \"data:REDACTED_PRIVATE_KEY_1\n\n\";\nkeepalive_timeout 5s;\n"
    );
}

#[test]
fn formatting_crlf_and_bom_stay() {
    let text = "\u{feff}http {\r\n\tproxy_set_header X-Secret \"abc123\";  # t\r\n}\r\n";
    assert_eq!(
        one(text),
        "\u{feff}http {\r\n\tproxy_set_header X-Secret \"REDACTED_TOKEN_1\";  # t\r\n}\r\n"
    );
}

#[test]
fn commented_out_directives_and_prose() {
    let out = one(
        "# proxy_set_header Authorization \"Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl\";\n# db password: hunter2x\n",
    );
    assert_eq!(
        out,
        "# proxy_set_header Authorization \"Bearer REDACTED_TOKEN_1\";\n# db password: REDACTED_SECRET_1\n"
    );
}

#[test]
fn high_entropy_strings_anywhere() {
    let out = one("return 200 \"key q4eC39HqLyjWDarjtT1zdp7dc\";\n");
    assert_eq!(out, "return 200 \"key REDACTED_STRING_1\";\n");
    // A vendor prefix says what it is.
    let out = one("return 200 \"key sk_live_4eC39HqLyjWDarjtT1zdp7dc\";\n");
    assert_eq!(out, "return 200 \"key REDACTED_TOKEN_1\";\n");
}

#[test]
fn hosts_keep_upstreams_loopback_and_structure() {
    let text = "http {\n\
        upstream app_backend { server 10.0.0.7:8000; server db.corp.io:5432 backup; server 127.0.0.1:9000; }\n\
        server {\n    listen 203.0.114.9:443 ssl;\n    server_name www.corp.io *.corp.io ~^(?<s>.+)\\.corp\\.io$;\n    allow 10.0.0.0/8;\n    location / { proxy_pass http://app_backend; }\n    location /x { proxy_pass http://api.corp.io:8080/v1; }\n    location /y { fastcgi_pass unix:/run/php.sock; }\n    location /z { proxy_pass https://[fd00::5]:443; }\n}\n}\n";
    let out = one_hosts(text);
    assert_eq!(
        out,
        "http {\n\
        upstream app_backend { server 198.18.16.1:8000; server host1.example:5432 backup; server 127.0.0.1:9000; }\n\
        server {\n    listen 198.18.32.0:443 ssl;\n    server_name host2.example *.host3.example ~^(?<s>.+)\\.host3\\.example$;\n    allow 198.18.16.0/20;\n    location / { proxy_pass http://app_backend; }\n    location /x { proxy_pass http://host4.example:8080/v1; }\n    location /y { fastcgi_pass unix:/run/php.sock; }\n    location /z { proxy_pass https://[2001:db8::1]:443; }\n}\n}\n"
    );
    // Without --hosts, addresses and names stay.
    assert_eq!(one(text), text);
}

#[test]
fn redacting_twice_changes_nothing() {
    let text = "http {\n    proxy_set_header Authorization \"Bearer abcDEF123456ghiJKL\";\n    map $cookie_session $u { s3ss10nvalue 1; }\n    server { server_name api.corp.io; location / { proxy_pass http://u:pw12345678@10.1.1.1; } }\n}\n# token: sk_live_4eC39HqLyjWDarjtT1zdp7dc\n";
    for hosts in [false, true] {
        let once = run(&[("/n.conf", text)], hosts).0.remove(0);
        let (twice, redacted) = run(&[("/n.conf", &once)], hosts);
        assert_eq!(twice[0], once);
        assert!(redacted.entries.is_empty(), "{:?}", redacted.entries);
    }
}

#[test]
fn lua_strings_are_redacted_inside_their_quotes() {
    let out = one("access_by_lua 'local password = \"inlinePw1x\"';\n\
         content_by_lua_block {\n\
         local secret = os.getenv(\"SECRET\") or \"fallbackSecret77\"\n\
         ngx.req.set_header(\"Authorization\", \"Bearer LuaHdrTok55\")\n\
         red:auth(\"RedisAuthPw42\")\n\
         }\n");
    assert_eq!(
        out,
        "access_by_lua 'local password = \"REDACTED_SECRET_1\"';\n\
         content_by_lua_block {\n\
         local secret = os.getenv(\"SECRET\") or \"REDACTED_SECRET_2\"\n\
         ngx.req.set_header(\"Authorization\", \"Bearer REDACTED_TOKEN_1\")\n\
         red:auth(\"REDACTED_SECRET_3\")\n\
         }\n"
    );
}

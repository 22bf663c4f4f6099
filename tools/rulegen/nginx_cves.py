#!/usr/bin/env python3
"""Regenerate the [match] and [[variant]] tables of rules/nginx-cves.toml
from nginx's security advisories, kept below as data (one row each).

    python3 tools/rulegen/nginx_cves.py          # rewrites the rule file in place
    python3 tools/rulegen/nginx_cves.py --check  # exit 1 if the file is out of date

The rule file keeps everything else (title, explain, references, tests);
this script owns the lines between the two GENERATED markers. Each row:
(CVE, title, nginx's severity, "Vulnerable" span, "Not vulnerable" list,
trigger) as published in nginx.org's xml/en/security_advisories.xml. The
affected ranges are the vulnerable span minus the stable branches the
"Not vulnerable" list names; a finding's variant names every advisory that
applies at the run's nginx version to the directive that turns the
feature on (see TRIGGERS).
"""
import itertools
import json
import pathlib
import sys

q = json.dumps
# (cve, title, severity, vulnerable, not vulnerable, trigger): nginx.org
# xml/en/security_advisories.xml at commit 3924a7f (July 2026).
ADV = [
("2026-42533","buffer overflow when using map and regex","major","0.9.6-1.31.2","1.31.3+, 1.30.4+","map_regex"),
("2026-60005","memory disclosure when using ngx_http_slice_module","medium","1.15.8-1.31.2","1.31.3+, 1.30.4+","slice"),
("2026-56434","use-after-free when using ngx_http_ssi_module","medium","0.8.11-1.31.2","1.31.3+, 1.30.4+","ssi"),
("2026-42530","use-after-free in HTTP/3","major","1.31.0-1.31.1","1.31.2+","http3"),
("2026-42055","buffer overflow in ngx_http_proxy_v2_module and ngx_http_grpc_module","medium","1.13.10-1.31.1","1.31.2+, 1.30.3+","h2up"),
("2026-48142","buffer overread in ngx_http_charset_module","low","0.3.50-1.31.1","1.31.2+, 1.30.3+","charset"),
("2026-9256","buffer overflow in ngx_http_rewrite_module","medium","0.1.17-1.31.0","1.31.1+, 1.30.2+","rewrite_nested"),
("2026-42926","HTTP/2 request injection in ngx_http_proxy_module","medium","1.29.4-1.30.0","1.31.0+, 1.30.1+","proxy_h2"),
("2026-42945","buffer overflow in ngx_http_rewrite_module","medium","0.6.27-1.30.0","1.31.0+, 1.30.1+","rift"),
("2026-42946","buffer overread in ngx_http_scgi_module and ngx_http_uwsgi_module","medium","0.8.42-1.30.0","1.31.0+, 1.30.1+","scgi_uwsgi"),
("2026-42934","buffer overread in ngx_http_charset_module","low","0.3.50-1.30.0","1.31.0+, 1.30.1+","charset"),
("2026-40460","HTTP/3 address spoofing","medium","1.25.0-1.30.0","1.31.0+, 1.30.1+","http3"),
("2026-40701","resolver use-after-free in OCSP","medium","1.19.0-1.30.0","1.31.0+, 1.30.1+","resolver_ocsp"),
("2026-27654","buffer overflow in ngx_http_dav_module","medium","0.5.13-1.29.6","1.29.7+, 1.28.3+","dav"),
("2026-27784","buffer overflow in ngx_http_mp4_module","medium","1.1.19-1.29.6","1.29.7+, 1.28.3+","mp4"),
("2026-32647","buffer overflow in ngx_http_mp4_module","medium","1.1.19-1.29.6","1.29.7+, 1.28.3+","mp4"),
("2026-27651","NULL pointer dereference while using CRAM-MD5 or APOP","low","0.5.15-1.29.6","1.29.7+, 1.28.3+","mail_cram"),
("2026-28753","injection in auth_http and XCLIENT","medium","0.6.27-1.29.6","1.29.7+, 1.28.3+","mail_auth_http"),
("2026-28755","OCSP result bypass in stream","medium","1.27.2-1.29.6","1.29.7+, 1.28.3+","stream_ocsp"),
("2026-1642","SSL upstream injection","medium","1.3.0-1.29.4","1.29.5+, 1.28.2+","ssl_upstream"),
("2025-53859","buffer overread in ngx_mail_smtp_module","low","0.7.22-1.29.0","1.29.1+","smtp_none"),
("2025-23419","SSL session reuse vulnerability","medium","1.11.4-1.27.3","1.27.4+, 1.26.3+","client_cert"),
("2024-7347","buffer overread in ngx_http_mp4_module","low","1.5.13-1.27.0","1.27.1+, 1.26.2+","mp4"),
("2024-32760","buffer overwrite in HTTP/3","medium","1.25.0-1.25.5, 1.26.0","1.27.0+, 1.26.1+","http3"),
("2024-31079","stack overflow and use-after-free in HTTP/3","medium","1.25.0-1.25.5, 1.26.0","1.27.0+, 1.26.1+","http3"),
("2024-35200","NULL pointer dereference in HTTP/3","medium","1.25.0-1.25.5, 1.26.0","1.27.0+, 1.26.1+","http3"),
("2024-34161","memory disclosure in HTTP/3","medium","1.25.0-1.25.5, 1.26.0","1.27.0+, 1.26.1+","http3"),
("2024-24989","NULL pointer dereference in HTTP/3","major","1.25.3","1.25.4+","http3"),
("2024-24990","use-after-free in HTTP/3","major","1.25.0-1.25.3","1.25.4+","http3"),
("2022-41741","memory corruption in ngx_http_mp4_module","medium","1.1.3-1.23.1, 1.0.7-1.0.15","1.23.2+, 1.22.1+","mp4"),
("2022-41742","memory disclosure in ngx_http_mp4_module","medium","1.1.3-1.23.1, 1.0.7-1.0.15","1.23.2+, 1.22.1+","mp4"),
("2021-23017","1-byte memory overwrite in resolver","medium","0.6.18-1.20.0","1.21.0+, 1.20.1+","resolver"),
("2019-9511","excessive CPU usage in HTTP/2 with small window updates","medium","1.9.5-1.17.2","1.17.3+, 1.16.1+","http2"),
("2019-9513","excessive CPU usage in HTTP/2 with priority changes","low","1.9.5-1.17.2","1.17.3+, 1.16.1+","http2"),
("2019-9516","excessive memory usage in HTTP/2 with zero length headers","low","1.9.5-1.17.2","1.17.3+, 1.16.1+","http2"),
("2018-16843","excessive memory usage in HTTP/2","low","1.9.5-1.15.5","1.15.6+, 1.14.1+","http2"),
("2018-16844","excessive CPU usage in HTTP/2","low","1.9.5-1.15.5","1.15.6+, 1.14.1+","http2"),
("2018-16845","memory disclosure in ngx_http_mp4_module","medium","1.1.3-1.15.5, 1.0.7-1.0.15","1.15.6+, 1.14.1+","mp4"),
]

INF = (999, 999, 999)
def pv(s): return tuple(int(x) for x in s.split("."))
def nxt(v): return (v[0], v[1], v[2] + 1)
def affected(vuln, good):
    rs = []
    for part in vuln.split(","):
        part = part.strip()
        lo, hi = (part.split("-") + [part])[:2] if "-" in part else (part, part)
        rs.append((pv(lo), nxt(pv(hi))))
    for g in good.split(","):
        g = pv(g.strip().rstrip("+"))
        cut = (g, (g[0], g[1] + 1, 0))
        out = []
        for lo, hi in rs:
            if hi <= cut[0] or lo >= cut[1]:
                out.append((lo, hi)); continue
            if lo < cut[0]: out.append((lo, cut[0]))
            if hi > cut[1]: out.append((cut[1], hi))
        rs = out
    return rs
def vs(v): return "%d.%d.%d" % v
def rng(lo, hi): return ">= %s, < %s" % (vs(lo), vs(hi))
# Triggers: (subject directive(s), the rest of the condition). (subject directive(s), condition body without directive)
TRIGGERS = {
 "http3": ('"listen"', 'any_arg = { equals = "quic" }'),
 "http3d": ('"http3"', 'arg = { equals = "on" }'),
 "http2": ('"listen"', 'any_arg = { equals = "http2" }'),
 "http2d": ('"http2"', 'arg = { equals = "on" }'),
 "mp4": ('"mp4"', ''),
 "resolver": ('"resolver"', ''),
 "resolver_ocsp": ('"resolver"', 'anywhere = { any = [ { directive = "ssl_stapling", arg = { equals = "on" } }, { directive = "ssl_ocsp", arg = { not_equals = "off" } } ] }'),
 "charset": ('"charset"', 'arg = { not_equals = "off" }'),
 "rewrite_nested": ('"rewrite"', 'regex = { nested_captures = true }'),
 "rift": ('"rewrite"', 'arg = [ { index = 1, regex = %s }, { index = 1, regex = %s } ], before = { directive = ["rewrite", "if", "set"] }' % (q(r'\?'), q(r'\$\{?[1-9]'))),
 "h2up": ('["grpc_pass", "proxy_http_version"]', 'any = [ { directive = "grpc_pass" }, { directive = "proxy_http_version", arg = { equals = ["2", "2.0"] } } ]'),
 "proxy_h2": ('"proxy_pass"', 'anywhere = { any = [ { directive = "listen", any_arg = { equals = "http2" } }, { directive = "http2", arg = { equals = "on" } } ] }'),
 "scgi_uwsgi": ('["scgi_pass", "uwsgi_pass"]', ''),
 "map_regex": ('"map"', 'has = { directive = "~*", regex = { captures = { ge = 1 } } }'),
 "slice": ('"slice"', 'arg = { not_equals = "0" }'),
 "ssi": ('"ssi"', 'arg = { equals = "on" }, effective.proxy_buffering = { equals = "off" }'),
 "dav": ('"dav_methods"', 'arg = { not_equals = "off" }'),
 "mail_cram": ('["imap_auth", "pop3_auth", "smtp_auth"]', 'any_arg = { regex = "(?i)^(cram-md5|apop)$" }'),
 "mail_auth_http": ('"auth_http"', 'within = "mail"'),
 "stream_ocsp": ('"ssl_ocsp"', 'within = "stream", arg = { not_equals = "off" }'),
 "ssl_upstream": ('"proxy_pass"', 'arg = { regex = "(?i)^https://" }'),
 "smtp_none": ('"smtp_auth"', 'any_arg = { equals = "none" }'),
 "client_cert": ('"ssl_verify_client"', 'within = "http", arg = { not_equals = "off" }'),
}
ALIAS = {"http3": ["http3", "http3d"], "http2": ["http2", "http2d"]}
def tlist(t): return ALIAS.get(t, [t])
def cond(t):
    d, c = TRIGGERS[t]
    return "directive = %s%s" % (d, (", " + c) if c else "")
# CVEs per trigger key
per = {}
for a in ADV:
    for t in tlist(a[5]):
        per.setdefault(t, []).append(a)
# group triggers by subject directive for combination ordering
groups = {}
for t in TRIGGERS:
    groups.setdefault(TRIGGERS[t][0], []).append(t)
SEV = {"major": "error", "medium": "warning", "low": "info"}
RANK = {"info": 0, "warning": 1, "error": 2}
variants = []
match_any = []
for t in TRIGGERS:
    rs = sorted({r for a in per.get(t, []) for r in affected(a[3], a[4])})
    match_any.append("{ %s, all = [ { any = [ %s ] } ] }" % (cond(t), ", ".join("{ nginx = %s }" % q(rng(*r)) for r in rs)))
for d, ts in groups.items():
    combos = []
    for n in range(len(ts), 0, -1):
        combos += list(itertools.combinations(ts, n))
    for combo in combos:
        advs = [a for t in combo for a in per.get(t, [])]
        pts = sorted({p for a in advs for r in affected(a[3], a[4]) for p in r})
        segs = []
        for lo, hi in zip(pts, pts[1:]):
            s = tuple(a for a in advs if any(r[0] <= lo and hi <= r[1] for r in affected(a[3], a[4])))
            if not s: continue
            if segs and segs[-1][2] == s and segs[-1][1] == lo:
                segs[-1] = (segs[-1][0], hi, s)
            else:
                segs.append((lo, hi, s))
        for lo, hi, s in segs:
            uniq = []
            for a in s:
                if a not in uniq: uniq.append(a)
            sev = max((SEV[a[2]] for a in uniq), key=RANK.get)
            items = "; ".join("CVE-%s, %s (%s severity; fixed in %s)" % (a[0], a[1], a[2], a[4]) for a in uniq)
            msg = "nginx {nginx.version} has %d published vulnerabilit%s reachable through this `{name}`: %s. Upgrade nginx" % (len(uniq), "y" if len(uniq) == 1 else "ies", items)
            when = "{ all = [ %s ], nginx = %s }" % (", ".join("{ %s }" % cond(t) for t in combo), q(rng(lo, hi)))
            desc = "%s, nginx %s to %s: %s" % (" + ".join(combo), vs(lo), vs(hi), ", ".join("CVE-" + a[0] for a in uniq))
            variants.append('[[variant]]\ndescription = %s\nwhen = %s\nseverity = %s\nmessage = %s\n' % (q(desc), when, q(sev), q(msg)))


def generated():
    lines = ["[match]", "any = [", "    " + ",\n    ".join(match_any) + ",", "]", ""]
    return "\n".join(lines) + "\n" + "\n".join(variants)


BEGIN = "# BEGIN GENERATED by tools/rulegen/nginx_cves.py: edit the script, not these lines\n"
END = "# END GENERATED\n"


def main():
    path = pathlib.Path(__file__).resolve().parents[2] / "rules" / "nginx-cves.toml"
    text = path.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = head + BEGIN + generated() + END + tail
    if "--check" in sys.argv[1:]:
        if new != text:
            print(f"{path} is out of date: run {__file__}", file=sys.stderr)
            return 1
        return 0
    path.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())

//! `ngxfix fix -i` driven through a pseudo-terminal, the way a person at a
//! terminal uses it: each answer is typed when its question appears.

use crate::common;

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const QUESTION: &str = "Apply this change?";
/// How long one step (a question appearing, the program ending) may take.
const STEP: Duration = Duration::from_secs(30);

/// A child process on the slave side of a pseudo-terminal, and everything
/// it has printed so far.
struct Session {
    child: Child,
    master: File,
    screen: Arc<Mutex<Vec<u8>>>,
}

impl Session {
    fn start(args: &[&str], cwd: &std::path::Path) -> Session {
        let (master, slave) = open_pty();
        let mut command = common::ngxfix();
        command
            .args(common::without_gixy_pack(args))
            .current_dir(cwd)
            .env("TERM", "xterm")
            .env_remove("NO_COLOR")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec: a new
        // session whose controlling terminal is the pty, as in a login.
        unsafe {
            command.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("ngxfix starts");
        drop(command); // closes this process's copies of the slave side
        let screen = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once the child and every slave copy are gone.
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Session {
            child,
            master,
            screen,
        }
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// Wait for the `n`-th question, then type `answer` and Enter.
    fn answer(&mut self, n: usize, answer: &str) {
        let start = Instant::now();
        while self.screen().matches(QUESTION).count() < n {
            assert!(
                start.elapsed() < STEP,
                "question {n} did not appear; the screen:\n{}",
                self.screen()
            );
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "ngxfix ended ({status}) before question {n}:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.master.write_all(answer.as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        self.master.write_all(b"\r").unwrap();
    }

    /// Wait for the program to end; its exit code.
    fn finish(mut self) -> (Option<i32>, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(100)); // let the reader drain
                return (status.code(), self.screen());
            }
            if start.elapsed() > STEP {
                let _ = self.child.kill();
                panic!("ngxfix did not end; the screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A new pseudo-terminal: its master and slave sides, opened the way std
/// opens every file, close-on-exec. The other tests of this binary start
/// processes at any moment (ngxfix, nginx, app servers); one that
/// inherited a side (as `openpty` leaves them) would hold this terminal
/// open after the session ended. The child gets the slave side as its
/// standard streams, which are not closed on exec.
fn open_pty() -> (File, File) {
    let master = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open("/dev/ptmx")
        .expect("a pseudo-terminal");
    let fd = master.as_raw_fd();
    let mut name = [0u8; 128];
    // SAFETY: `fd` is the open master; ptsname_r writes at most
    // `name.len()` bytes, NUL included.
    let ready = unsafe {
        libc::grantpt(fd) == 0
            && libc::unlockpt(fd) == 0
            && libc::ptsname_r(fd, name.as_mut_ptr().cast(), name.len()) == 0
    };
    assert!(
        ready,
        "pseudo-terminal: {}",
        std::io::Error::last_os_error()
    );
    let name = std::ffi::CStr::from_bytes_until_nul(&name).expect("a NUL-terminated name");
    let slave = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(name.to_str().expect("a UTF-8 name"))
        .expect("the slave side");
    (master, slave)
}

const MAIN: &str = "events {}\nhttp {\n    upstream app { server 127.0.0.1:8000; keepalive 16; }\n    include a.conf;\n    include b.conf;\n}\n";

fn location(path: &str) -> String {
    format!("    location {path} {{\n        proxy_pass http://app;\n    }}\n")
}

#[test]
fn yes_no_all_quit_in_one_session() {
    let dir = tempfile::tempdir().unwrap();
    let main = MAIN;
    let a = format!(
        "server {{\n    listen 127.0.0.1:8080;\n    proxy_set_header Connection \"\";\n{}{}{}}}\n",
        location("/1"),
        location("/2"),
        location("/3")
    );
    let b = format!(
        "server {{\n    listen 127.0.0.1:8081;\n    proxy_set_header Connection \"\";\n{}}}\n",
        location("/4")
    );
    fs::write(dir.path().join("nginx.conf"), main).unwrap();
    fs::write(dir.path().join("a.conf"), &a).unwrap();
    fs::write(dir.path().join("b.conf"), &b).unwrap();

    // a.conf: /1 yes, /2 no, /3 all remaining in the file; b.conf: quit.
    let mut session = Session::start(FIX_I, dir.path());
    session.answer(1, "y");
    session.answer(2, "n");
    session.answer(3, "a");
    session.answer(4, "q");
    let (code, screen) = session.finish();
    assert!(
        screen.contains("proxy-http-version"),
        "the rule id is shown:\n{screen}"
    );
    assert!(
        screen.contains("+++ b/a.conf"),
        "the hunk is shown:\n{screen}"
    );
    assert!(screen.contains("Stopped on quit"), "{screen}");
    assert_eq!(code, Some(1), "findings remain:\n{screen}");
    let fixed = |path: &str| {
        format!("    location {path} {{\n        proxy_pass http://app;\n        proxy_http_version 1.1;\n    }}\n")
    };
    assert_eq!(
        fs::read_to_string(dir.path().join("a.conf")).unwrap(),
        a.replace(&location("/1"), &fixed("/1"))
            .replace(&location("/3"), &fixed("/3")),
        "{screen}"
    );
    assert_eq!(fs::read_to_string(dir.path().join("b.conf")).unwrap(), b);
    assert_eq!(
        fs::read_to_string(dir.path().join("nginx.conf")).unwrap(),
        main
    );
}

/// `fix -i` on `nginx.conf`; the upstream `app` has a backend that outlasts
/// nginx's idle timeout, so only the header and version fixes are asked.
const FIX_I: &[&str] = &[
    "fix",
    "-i",
    "--no-verify",
    "--backend",
    "app=75s",
    "nginx.conf",
];

#[test]
fn a_reply_that_is_not_an_answer_is_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let conf = format!("http {{\n    upstream app {{ server 127.0.0.1:8000; keepalive 16; }}\n    server {{\n        proxy_set_header Connection \"\";\n{}    }}\n}}\n", location("/"));
    fs::write(dir.path().join("nginx.conf"), &conf).unwrap();
    let mut session = Session::start(FIX_I, dir.path());
    session.answer(1, "maybe");
    let start = Instant::now();
    while !session.screen().contains("answer y, n, a or q") {
        assert!(start.elapsed() < STEP, "{}", session.screen());
        std::thread::sleep(Duration::from_millis(20));
    }
    // Clear the bad reply, then answer.
    session.master.write_all(&[0x7f; 5]).unwrap();
    session.answer(1, "y");
    let (code, screen) = session.finish();
    assert_eq!(code, Some(0), "{screen}");
    assert!(fs::read_to_string(dir.path().join("nginx.conf"))
        .unwrap()
        .contains("proxy_http_version 1.1;"));
}

#[test]
fn one_session_asks_about_nginx_and_the_backend_file() {
    let dir = tempfile::tempdir().unwrap();
    let conf = format!("http {{\n    upstream app {{ server 127.0.0.1:8000; keepalive 16; }}\n    server {{\n        proxy_set_header Connection \"\";\n{}    }}\n}}\n", location("/"));
    let gunicorn = "worker_class = \"gthread\"\r\nkeepalive = 5\r\n";
    fs::write(dir.path().join("nginx.conf"), &conf).unwrap();
    fs::write(dir.path().join("gunicorn.conf.py"), gunicorn).unwrap();
    let args = [
        "fix",
        "-i",
        "--no-verify",
        "--prefer",
        "backend",
        "--backend",
        "app=gunicorn:gunicorn.conf.py",
        "nginx.conf",
    ];
    let mut session = Session::start(&args, dir.path());
    // "All" on the backend file's change covers that file only: the nginx
    // change is still shown and asked.
    session.answer(1, "a");
    session.answer(2, "y");
    let (code, screen) = session.finish();
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains("+++ b/gunicorn.conf.py"), "{screen}");
    assert!(screen.contains("+++ b/nginx.conf"), "{screen}");
    assert_eq!(
        fs::read_to_string(dir.path().join("gunicorn.conf.py")).unwrap(),
        "worker_class = \"gthread\"\r\nkeepalive = 61\r\n",
        "only the value changed, CRLF kept"
    );
    assert!(fs::read_to_string(dir.path().join("nginx.conf"))
        .unwrap()
        .contains("proxy_http_version 1.1;"));
}

/// On a terminal, where standard output and standard error are one
/// screen, the diff of `--dry-run` comes whole before the summary.
#[test]
fn a_dry_run_diff_comes_before_its_summary_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let locations: String = (0..40).map(|i| location(&format!("/l{i}"))).collect();
    fs::write(dir.path().join("nginx.conf"), MAIN).unwrap();
    fs::write(
        dir.path().join("a.conf"),
        format!("server {{\n{locations}}}\n"),
    )
    .unwrap();
    fs::write(
        dir.path().join("b.conf"),
        format!("server {{\n{}}}\n", location("/b")),
    )
    .unwrap();
    let session = Session::start(
        &[
            "fix",
            "--dry-run",
            "--no-verify",
            "--color",
            "never",
            "--backend",
            "app=75s",
            "nginx.conf",
        ],
        dir.path(),
    );
    let (code, screen) = session.finish();
    assert_eq!(code, Some(1), "{screen}");
    let last_diff_line = screen.rfind("+        proxy_http_version 1.1;").unwrap();
    let summary = screen.find("Would fix ").expect("a summary");
    assert!(last_diff_line < summary, "{screen}");
}

//! `ngxfix` run on a pseudo-terminal, the way a person at a terminal uses
//! it: each key is typed when the question it answers appears.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long one step (a question appearing, the program ending) may take.
pub const STEP: Duration = Duration::from_secs(30);

/// The down arrow, as a terminal sends it.
pub const DOWN: &[u8] = b"\x1b[B";

/// A child process on the slave side of a pseudo-terminal, and everything
/// it has printed so far.
pub struct Session {
    child: Child,
    master: File,
    screen: Arc<Mutex<Vec<u8>>>,
}

impl Session {
    /// Run `ngxfix ARGS` in `cwd`.
    pub fn start(args: &[&str], cwd: &std::path::Path) -> Session {
        Session::start_with(args, cwd, &[])
    }

    /// Run `ngxfix ARGS` in `cwd` with these environment variables set
    /// (`VISUAL` and `EDITOR` are otherwise removed, so no editor of the
    /// machine's is run).
    pub fn start_with(args: &[&str], cwd: &std::path::Path, env: &[(&str, &str)]) -> Session {
        let (master, slave) = open_pty();
        let mut command = super::ngxfix();
        command
            .args(super::without_gixy_pack(args))
            .current_dir(cwd)
            .env("TERM", "xterm")
            .env_remove("NO_COLOR")
            .env_remove("VISUAL")
            .env_remove("EDITOR")
            .envs(env.iter().copied())
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

    /// Everything printed so far.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// Wait until `text` has appeared `n` times.
    pub fn wait_for(&mut self, text: &str, n: usize) {
        let start = Instant::now();
        while self.screen().matches(text).count() < n {
            assert!(
                start.elapsed() < STEP,
                "{text:?} (#{n}) did not appear; the screen:\n{}",
                self.screen()
            );
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(100)); // let the reader drain
                if self.screen().matches(text).count() >= n {
                    return;
                }
                panic!(
                    "ngxfix ended ({status}) before {text:?} (#{n}):\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Type `bytes` (keys, no Enter).
    pub fn keys(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
        std::thread::sleep(Duration::from_millis(50));
    }

    /// Wait for the `n`-th `question`, then type `key` (no Enter).
    pub fn key(&mut self, question: &str, n: usize, key: &str) {
        self.wait_for(question, n);
        self.keys(key.as_bytes());
    }

    /// Wait for the program to end; its exit code and the screen.
    pub fn finish(mut self) -> (Option<i32>, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(100)); // let the reader drain
                return (status.code(), self.screen());
            }
            if start.elapsed() > STEP {
                let _ = self.child.kill();
                let _ = self.child.wait();
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
    // A window size, as a terminal has one: menus page by its height.
    let size = libc::winsize {
        ws_row: 40,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: `master` is an open pty master and `size` a valid winsize.
    unsafe {
        libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &size);
    }
    (master, slave)
}

//! Memory grows with the input, not with the input times its findings, on
//! any layout: a configuration written on one line (many megabytes, tens of
//! thousands of findings and fixes on line 1) is checked and fixed through
//! the library the way `ngxfix check` and `ngxfix fix --dry-run` run, at two
//! sizes ten times apart, under an allocator that counts. Two measures:
//! the peak of live bytes, and every byte allocated, freed or not: a copy
//! of the line made for each finding and dropped at once hardly moves the
//! peak but multiplies the bytes allocated (and the time) by the number of
//! findings.
//!
//! Counted, not timed: the figures are the same on a loaded machine.
//!
//! The allocator counts for the whole test binary, whose other tests run
//! on other threads at the same time: each test here measures in a process
//! of its own (this binary again, running that test alone), and the
//! counters only count there.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::io;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};

use ngxfix::config::{dump::DumpedFile, ConfigTree, LoadOptions};
use ngxfix::fix::session::{self, ApproveAll, Job, Policy, Stop};
use ngxfix::model::{Model, Version};
use ngxfix::output::diff;
use ngxfix::output::findings::{Report, ReportFormat};
use ngxfix::rules::{check, Rule, RunOptions};

/// The system allocator, counting live bytes, their peak and every byte
/// handed out while [`COUNTING_ON`].
struct Counting;

/// Set only in the process that measures (see [`measured_alone`]): the
/// other tests of the binary pay one load per allocation, not the counters.
static COUNTING_ON: AtomicBool = AtomicBool::new(false);

/// Live bytes since counting began: signed, since memory allocated before
/// may be freed after.
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

fn counting() -> bool {
    COUNTING_ON.load(Ordering::Relaxed)
}

fn grew(bytes: usize) {
    ALLOCATED.fetch_add(bytes, Ordering::Relaxed);
    let live = LIVE.fetch_add(bytes as isize, Ordering::Relaxed) + bytes as isize;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

fn shrank(bytes: usize) {
    LIVE.fetch_sub(bytes as isize, Ordering::Relaxed);
}

// SAFETY: every call is passed to the system allocator unchanged; the
// counters are only arithmetic beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() && counting() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() && counting() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        if counting() {
            shrank(layout.size());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() && counting() {
            shrank(layout.size());
            grew(new_size);
        }
        new
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Set in the process [`measured_alone`] starts.
const ALONE: &str = "NGXFIX_MEMORY_LINEAR_ALONE";

/// Whether this process is the one to measure `test` (a test of this
/// module) in, with counting on. If not, `test` is run again alone in a
/// new process of this binary, where nothing else allocates, and its
/// result and output are this test's.
fn measured_alone(test: &str) -> bool {
    if std::env::var_os(ALONE).is_some() {
        COUNTING_ON.store(true, Ordering::Relaxed);
        return true;
    }
    // `it::memory_linear`: the harness names tests without the crate.
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let name = format!("{module}::{test}");
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args([&name, "--exact", "--nocapture", "--test-threads=1"])
        .env(ALONE, "1")
        .output()
        .expect("the test binary runs");
    let (out, err) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    eprint!("{err}");
    assert!(
        output.status.success() && out.contains("test result: ok. 1 passed"),
        "{name} alone: {}\n{out}{err}",
        output.status
    );
    false
}

/// Peak live bytes above those live before, and bytes allocated, while
/// `work` runs.
fn measure(work: impl FnOnce()) -> (usize, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let allocated = ALLOCATED.load(Ordering::Relaxed);
    work();
    (
        (PEAK.load(Ordering::Relaxed) - before) as usize,
        ALLOCATED.load(Ordering::Relaxed) - allocated,
    )
}

/// nginx 1.22: HTTP/1.0 to upstreams by default, so each location needs
/// two fixes.
const VERSION: Version = Version::new(1, 22, 1);

/// A configuration of about `bytes` bytes on one line: per server, a pooled
/// upstream whose idle timeout is unknown (an unsafe fix) and two locations
/// proxying to it without HTTP/1.1 or a cleared Connection header (two
/// safe fixes each): five findings, four fixes.
fn one_line(bytes: usize) -> Vec<u8> {
    let mut text = String::from("events { worker_connections 1024; } http {");
    let mut n = 0;
    while text.len() < bytes {
        let _ = write!(
            text,
            " upstream backend_{n} {{ server 10.0.{}.{}:8080 max_fails=3 fail_timeout=10s; keepalive 32; }} \
             server {{ listen 80; server_name shop-{n}.example.com; \
             location / {{ proxy_pass http://backend_{n}; proxy_set_header Host $host; }} \
             location /api/ {{ proxy_pass http://backend_{n}; proxy_read_timeout 30s; }} }}",
            n / 250 % 250,
            n % 250 + 1,
        );
        n += 1;
    }
    text.push_str(" }\n");
    text.into_bytes()
}

fn load(text: Vec<u8>) -> ConfigTree {
    let file = DumpedFile {
        path: "/etc/nginx/nginx.conf".into(),
        text,
    };
    ConfigTree::load_dump_with(vec![file], &LoadOptions::default()).expect("the config loads")
}

fn rules() -> Vec<Rule> {
    ngxfix::rules::load::builtin().expect("the built-in rules load")
}

/// `ngxfix check` in text, JSON and SARIF: the findings rendered a batch
/// at a time and written out. Returns how many there were.
fn check_all(config: &ConfigTree, rules: &[Rule]) -> usize {
    let options = RunOptions::default();
    let model = Model::new(config, VERSION);
    let checked = check(rules, &model, &options);
    for format in [
        ReportFormat::Text { color: false },
        ReportFormat::Json,
        ReportFormat::Sarif,
    ] {
        let mut sink = io::sink();
        let mut report = Report::begin(format, &mut sink, rules, VERSION).unwrap();
        for batch in checked.batches() {
            report.findings(&batch).unwrap();
        }
        report.finish().unwrap();
    }
    checked.len()
}

/// `ngxfix fix --dry-run`: the fix loop to its fixed point, then the diff
/// of each changed file and the findings left. Returns the fixes applied.
fn fix_dry_run(config: ConfigTree, rules: &[Rule]) -> usize {
    let options = RunOptions::default();
    let job = Job {
        rules,
        options: &options,
        version: VERSION,
        // The fixes turn pooling on with no backend declared: unsafe.
        policy: Policy {
            unsafe_fixes: true,
            ..Policy::default()
        },
    };
    let outcome = session::fix(&job, config, &mut ApproveAll).unwrap();
    assert_eq!(outcome.stop, Stop::Converged);
    let mut sink = io::sink();
    for (file, original, fixed) in outcome.changes() {
        let path = outcome.config.file(file).display_path();
        diff::unified(&mut sink, &path, original, fixed, false).unwrap();
    }
    let mut report = Report::begin(
        ReportFormat::Text { color: false },
        &mut sink,
        rules,
        VERSION,
    )
    .unwrap();
    for finding in &outcome.remaining {
        report.finding(finding).unwrap();
    }
    report.finish().unwrap();
    outcome.applied.len()
}

/// Sizes measured: ten times apart, small enough for a debug build.
const SMALL: usize = 100_000;
const LARGE: usize = 1_000_000;

/// Peak memory may be this many times the input (the parse's event queue,
/// the tree, the model, a batch of rendered findings, the SARIF log).
const PEAK_PER_INPUT_BYTE: usize = 200;

/// Linear growth over ten times the input, with room for buffers that
/// double and for the fixed costs weighing less at the larger size.
const GROWTH: usize = 15;

fn assert_linear(what: &str, small: (usize, usize), large: (usize, usize), input: usize) {
    let ((small_peak, small_total), (large_peak, large_total)) = (small, large);
    eprintln!(
        "{what}: peak {small_peak} -> {large_peak} bytes, allocated {small_total} -> {large_total} bytes, for {SMALL} -> {input} bytes of input"
    );
    assert!(
        large_peak < GROWTH * small_peak,
        "{what}: peak memory grew {:.1}x for 10x the input",
        large_peak as f64 / small_peak as f64
    );
    assert!(
        large_peak < PEAK_PER_INPUT_BYTE * input,
        "{what}: peak memory {:.0}x the input",
        large_peak as f64 / input as f64
    );
    assert!(
        large_total < GROWTH * small_total,
        "{what}: bytes allocated grew {:.1}x for 10x the input",
        large_total as f64 / small_total as f64
    );
}

#[test]
fn checking_a_one_line_config_takes_memory_linear_in_its_size() {
    if !measured_alone("checking_a_one_line_config_takes_memory_linear_in_its_size") {
        return;
    }
    let rules = rules();
    let (small, large) = (load(one_line(SMALL)), load(one_line(LARGE)));
    let mut counts = (0, 0);
    let small_use = measure(|| counts.0 = check_all(&small, &rules));
    let large_use = measure(|| counts.1 = check_all(&large, &rules));
    assert!(
        counts.0 > 1_000 && counts.1 > 9 * counts.0,
        "{counts:?} findings"
    );
    assert_linear(
        "check",
        small_use,
        large_use,
        large.main().tree.text().len(),
    );
}

#[test]
fn fixing_a_one_line_config_takes_memory_linear_in_its_size() {
    if !measured_alone("fixing_a_one_line_config_takes_memory_linear_in_its_size") {
        return;
    }
    let rules = rules();
    let input = one_line(LARGE).len();
    let mut counts = (0, 0);
    let small_use = measure(|| counts.0 = fix_dry_run(load(one_line(SMALL)), &rules));
    let large_use = measure(|| counts.1 = fix_dry_run(load(one_line(LARGE)), &rules));
    assert!(
        counts.0 > 1_000 && counts.1 > 9 * counts.0,
        "{counts:?} fixes"
    );
    assert_linear("fix --dry-run", small_use, large_use, input);
}

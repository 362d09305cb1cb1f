//! The few operating-system calls std and mio do not offer: signal flags,
//! daemonizing, listening sockets with Redis's options, and the processor's
//! time-stamp counter for timing commands.
//!
//! This is the only module with `unsafe`; each block is a plain libc call
//! whose arguments are checked by the surrounding code, or an intrinsic
//! with no preconditions.

use std::ffi::CString;
use std::io;
use std::net::SocketAddr;
use std::os::fd::FromRawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::OnceLock;

/// The last termination signal received (0: none).
static SHUTDOWN_SIGNAL: AtomicI32 = AtomicI32::new(0);

/// Set while the server saves before exiting.
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);

/// The temporary RDB file a save in progress writes, as a C path, made
/// before any signal can arrive.
static TEMP_RDB_PATH: OnceLock<CString> = OnceLock::new();

extern "C" fn on_termination_signal(signal: libc::c_int) {
    // Redis compat: SIGINT during the save before exiting means "exit now":
    // the half-written temporary file is removed and the process ends.
    if signal == libc::SIGINT && SHUTTING_DOWN.load(Ordering::SeqCst) {
        if let Some(path) = TEMP_RDB_PATH.get() {
            // SAFETY: unlink and _exit are async-signal-safe; the path was
            // built before the handler was installed.
            unsafe {
                libc::unlink(path.as_ptr());
            }
        }
        // SAFETY: ends the process at once, as the user insists.
        unsafe { libc::_exit(1) }
    }
    // Otherwise only an atomic store: anything else is not async-signal-safe.
    SHUTDOWN_SIGNAL.store(signal, Ordering::SeqCst);
}

/// Marks the save before exiting as running (a SIGINT then exits at once)
/// or over.
pub fn set_shutting_down(saving: bool) {
    SHUTTING_DOWN.store(saving, Ordering::SeqCst);
}

/// Routes SIGTERM and SIGINT to a flag that the cron checks.
pub fn install_signal_handlers() -> io::Result<()> {
    if let Ok(path) = CString::new(format!("temp-{}.rdb", std::process::id())) {
        let _ = TEMP_RDB_PATH.set(path);
    }
    for signal in [libc::SIGTERM, libc::SIGINT] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        let previous = unsafe {
            libc::signal(
                signal,
                on_termination_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            )
        };
        if previous == libc::SIG_ERR {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The termination signal received since the last call, if any: each
/// signal is reported once (a shutdown whose save fails goes on running
/// until the next signal).
pub fn take_shutdown_signal() -> Option<&'static str> {
    match SHUTDOWN_SIGNAL.swap(0, Ordering::SeqCst) {
        0 => None,
        libc::SIGINT => Some("SIGINT"),
        _ => Some("SIGTERM"),
    }
}

/// Runs `child` in a forked copy of this process, which exits with the
/// status it returns; the parent gets the child's pid.
///
/// The child must only compute and make system calls on resources of its
/// own (see `rdb.rs`): it leaves with `_exit`, so no destructor of the
/// parent's state runs twice.
pub fn fork_child(child: impl FnOnce() -> i32) -> io::Result<libc::pid_t> {
    // SAFETY: the child runs only `child`, then `_exit`; the allocator
    // (jemalloc) takes its locks around fork, so `child` may allocate.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => {
            let status = child();
            // SAFETY: ends the child without running the parent's destructors.
            unsafe { libc::_exit(status) }
        }
        pid => Ok(pid),
    }
}

/// A pipe for a child's reports: (read end, non-blocking, for the parent;
/// write end for the child). Both close on exec.
pub fn report_pipe() -> io::Result<(std::fs::File, std::fs::File)> {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 succeeded, so both are open descriptors owned by nobody else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: F_SETFL on a descriptor we own.
    if unsafe { libc::fcntl(fds[0], libc::F_SETFL, libc::O_NONBLOCK) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((std::fs::File::from(read), std::fs::File::from(write)))
}

/// Bytes of this process's memory written since it was forked (the
/// `Private_Dirty` total of `/proc/self/smaps_rollup`): a save child's
/// copy-on-write cost.
pub fn private_dirty_bytes() -> Option<u64> {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").ok()?;
    let kilobytes: u64 = rollup
        .lines()
        .filter_map(|line| line.strip_prefix("Private_Dirty:"))
        .filter_map(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .sum();
    Some(kilobytes * 1024)
}

/// How a child process ended, if it has: `Some(true)` for exit status 0,
/// `Some(false)` for anything else (or a child that cannot be waited for),
/// `None` while it runs (only without `block`).
pub fn reap_child(pid: libc::pid_t, block: bool) -> Option<bool> {
    let mut status: libc::c_int = 0;
    let flags = if block { 0 } else { libc::WNOHANG };
    // SAFETY: waits for our own child; `status` is a valid out-pointer.
    match unsafe { libc::waitpid(pid, &mut status, flags) } {
        0 => None,
        -1 => Some(false),
        _ => Some(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0),
    }
}

/// Stops a child with SIGUSR1 (whose default action ends it) and reaps it.
pub fn kill_child(pid: libc::pid_t) {
    // SAFETY: signals our own child.
    unsafe {
        libc::kill(pid, libc::SIGUSR1);
    }
    reap_child(pid, true);
}

/// Forks into the background: the parent exits, the child starts a new
/// session and gets /dev/null for its standard streams.
pub fn daemonize() -> io::Result<()> {
    // SAFETY: called before any thread is started, so fork is safe.
    match unsafe { libc::fork() } {
        -1 => return Err(io::Error::last_os_error()),
        0 => {}
        _ => std::process::exit(0),
    }
    // SAFETY: plain system calls on this process.
    unsafe {
        libc::setsid();
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null >= 0 {
            libc::dup2(null, 0);
            libc::dup2(null, 1);
            libc::dup2(null, 2);
            if null > 2 {
                libc::close(null);
            }
        }
    }
    Ok(())
}

/// A non-blocking TCP listener on `addr` with SO_REUSEADDR, IPV6_V6ONLY for
/// IPv6 (so `0.0.0.0` and `::` can both be bound, as Redis does) and the
/// configured backlog.
pub fn tcp_listener(addr: SocketAddr, backlog: u32) -> io::Result<mio::net::TcpListener> {
    let family = if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: socket() with constant arguments.
    let fd = unsafe {
        libc::socket(
            family,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fail = |fd: libc::c_int| {
        let error = io::Error::last_os_error();
        // SAFETY: fd is a socket this function opened and still owns.
        unsafe { libc::close(fd) };
        Err(error)
    };
    let one: libc::c_int = 1;
    let one_ptr = &one as *const libc::c_int as *const libc::c_void;
    let one_len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: option value points to a live c_int of the given length.
    if unsafe { libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, one_ptr, one_len) } < 0 {
        return fail(fd);
    }
    let result = match addr {
        SocketAddr::V4(v4) => {
            let raw = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: v4.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(v4.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: raw is a valid sockaddr_in for the given length.
            unsafe {
                libc::bind(
                    fd,
                    &raw as *const libc::sockaddr_in as *const libc::sockaddr,
                    std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                )
            }
        }
        SocketAddr::V6(v6) => {
            // SAFETY: as above, for IPV6_V6ONLY.
            if unsafe {
                libc::setsockopt(fd, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, one_ptr, one_len)
            } < 0
            {
                return fail(fd);
            }
            let raw = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: v6.port().to_be(),
                sin6_flowinfo: v6.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: v6.ip().octets(),
                },
                sin6_scope_id: v6.scope_id(),
            };
            // SAFETY: raw is a valid sockaddr_in6 for the given length.
            unsafe {
                libc::bind(
                    fd,
                    &raw as *const libc::sockaddr_in6 as *const libc::sockaddr,
                    std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                )
            }
        }
    };
    if result < 0 {
        return fail(fd);
    }
    let backlog = libc::c_int::try_from(backlog).unwrap_or(libc::c_int::MAX);
    // SAFETY: fd is a bound socket.
    if unsafe { libc::listen(fd, backlog) } < 0 {
        return fail(fd);
    }
    // SAFETY: fd is an open, listening, non-blocking socket that we own.
    Ok(unsafe { mio::net::TcpListener::from_raw_fd(fd) })
}

/// jemalloc's counters, read at one epoch (MEMORY STATS, INFO memory).
#[derive(Debug, Clone, Copy)]
pub struct AllocatorStats {
    /// Bytes handed out to the program.
    pub allocated: u64,
    /// Bytes in the pages holding those allocations.
    pub active: u64,
    /// Bytes of the allocator's pages resident in memory.
    pub resident: u64,
}

/// The allocator's counters, fresh: jemalloc caches them until the epoch
/// is advanced.
pub fn allocator_stats() -> Option<AllocatorStats> {
    let mut epoch: u64 = 1;
    let mut epoch_len = std::mem::size_of::<u64>();
    // SAFETY: "epoch" takes and returns a u64; the pointers are to live locals of that size.
    let advanced = unsafe {
        tikv_jemalloc_sys::mallctl(
            c"epoch".as_ptr(),
            (&mut epoch as *mut u64).cast(),
            &mut epoch_len,
            (&mut epoch as *mut u64).cast(),
            std::mem::size_of::<u64>(),
        )
    };
    if advanced != 0 {
        return None;
    }
    Some(AllocatorStats {
        allocated: read_allocator_size(c"stats.allocated")?,
        active: read_allocator_size(c"stats.active")?,
        resident: read_allocator_size(c"stats.resident")?,
    })
}

/// One `size_t` statistic by its mallctl name.
fn read_allocator_size(name: &std::ffi::CStr) -> Option<u64> {
    let mut value: usize = 0;
    let mut len = std::mem::size_of::<usize>();
    // SAFETY: every name passed here returns a size_t, written into the
    // live local given with its size.
    let status = unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr(),
            (&mut value as *mut usize).cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    (status == 0).then_some(value as u64)
}

/// Bytes allocated through jemalloc (INFO's `used_memory`).
pub fn allocated_bytes() -> Option<u64> {
    allocator_stats().map(|stats| stats.allocated)
}

/// jemalloc's own statistics report (MEMORY MALLOC-STATS).
pub fn allocator_report() -> String {
    unsafe extern "C" fn append(opaque: *mut std::ffi::c_void, text: *const std::ffi::c_char) {
        // SAFETY: `opaque` is the String passed below, alive for the whole
        // call, and jemalloc passes NUL-terminated text.
        let (out, text) = unsafe {
            (
                &mut *opaque.cast::<String>(),
                std::ffi::CStr::from_ptr(text),
            )
        };
        out.push_str(&text.to_string_lossy());
    }
    let mut report = String::new();
    // SAFETY: the callback only appends to `report`, which outlives the
    // call; a null options string means the default report.
    unsafe {
        tikv_jemalloc_sys::malloc_stats_print(
            Some(append),
            (&mut report as *mut String).cast(),
            std::ptr::null(),
        );
    }
    report
}

/// Returns the dirty pages of every arena to the system (MEMORY PURGE);
/// false if jemalloc refused.
pub fn allocator_purge() -> bool {
    // jemalloc's MALLCTL_ARENAS_ALL: the pseudo-index naming every arena.
    const ALL_ARENAS: &std::ffi::CStr = c"arena.4096.purge";
    // SAFETY: "arena.<i>.purge" reads and writes nothing.
    let status = unsafe {
        tikv_jemalloc_sys::mallctl(
            ALL_ARENAS.as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    };
    status == 0
}

/// Physical memory of the machine (INFO's `total_system_memory`).
pub fn system_memory_bytes() -> Option<u64> {
    // SAFETY: sysconf has no memory-safety preconditions.
    let (pages, page_size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    u64::try_from(pages)
        .ok()?
        .checked_mul(u64::try_from(page_size).ok()?)
}

/// Resident set size of this process, from /proc.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no memory-safety preconditions.
    let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page_size).ok()?)
}

/// (system, user) CPU seconds used by this process.
pub fn cpu_seconds() -> (f64, f64) {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the rusage struct it is given.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } != 0 {
        return (0.0, 0.0);
    }
    // SAFETY: initialised by the successful call above (and zeroed before).
    let usage = unsafe { usage.assume_init() };
    let seconds = |time: libc::timeval| time.tv_sec as f64 + time.tv_usec as f64 / 1e6;
    (seconds(usage.ru_stime), seconds(usage.ru_utime))
}

/// A cheap monotonic clock for timing commands (commandstats, latency
/// histograms, the slow log): Redis's `getMonotonicUs` with its processor
/// clock. One `Instant::now` costs a `clock_gettime` through the vDSO,
/// about a tenth of the CPU of a pipelined cheap command; reading the
/// time-stamp counter costs half that and converting ticks is a multiply.
///
/// The counter is used only on x86-64 and only where the kernel itself keeps
/// time with it (clocksource `tsc`), which it does only when the counter is
/// invariant and synchronised across cores; elsewhere ticks are nanoseconds
/// from `Instant`.
#[derive(Debug, Clone, Copy)]
pub struct TickClock {
    /// Nanoseconds per tick in 32.32 fixed point; `None`: ticks are
    /// nanoseconds since `epoch`.
    nanos_per_tick: Option<u64>,
    epoch: std::time::Instant,
}

impl TickClock {
    /// The process's clock, calibrated on first use.
    pub fn get() -> TickClock {
        static CLOCK: std::sync::OnceLock<TickClock> = std::sync::OnceLock::new();
        *CLOCK.get_or_init(|| TickClock {
            nanos_per_tick: calibrate_time_stamp_counter(),
            epoch: std::time::Instant::now(),
        })
    }

    /// The current tick.
    #[inline]
    pub fn now(&self) -> u64 {
        match self.nanos_per_tick {
            Some(_) => time_stamp_counter(),
            None => self.epoch.elapsed().as_nanos() as u64,
        }
    }

    /// Nanoseconds from tick `start` to tick `end` (0 if `end` is earlier).
    #[inline]
    pub fn nanos_between(&self, start: u64, end: u64) -> u64 {
        let ticks = end.saturating_sub(start);
        match self.nanos_per_tick {
            Some(scale) => ((u128::from(ticks) * u128::from(scale)) >> 32) as u64,
            None => ticks,
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn time_stamp_counter() -> u64 {
    // SAFETY: RDTSC reads a register; it is present on every x86-64
    // processor and has no memory effects.
    unsafe { std::arch::x86_64::_rdtsc() }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn time_stamp_counter() -> u64 {
    0
}

/// The time-stamp counter's period in nanoseconds (32.32 fixed point),
/// measured against the monotonic clock over a few milliseconds, or `None`
/// where the counter is not to be trusted.
fn calibrate_time_stamp_counter() -> Option<u64> {
    if !cfg!(target_arch = "x86_64") {
        return None;
    }
    let source =
        std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
            .ok()?;
    if source.trim() != "tsc" {
        return None;
    }
    // A clock read bracketed by two counter reads close together, so a
    // preemption between them cannot skew the pairing.
    let paired = || {
        (0..100).find_map(|_| {
            let before = time_stamp_counter();
            let instant = std::time::Instant::now();
            let after = time_stamp_counter();
            (after.wrapping_sub(before) < 20_000).then(|| (before / 2 + after / 2, instant))
        })
    };
    let (start_ticks, start) = paired()?;
    std::thread::sleep(std::time::Duration::from_millis(5));
    let (end_ticks, end) = paired()?;
    let nanos = end.duration_since(start).as_nanos();
    let ticks = u128::from(end_ticks.checked_sub(start_ticks)?);
    // Between 100 MHz and 20 GHz, or something is wrong.
    if ticks < nanos / 10 || ticks > nanos * 20 {
        return None;
    }
    u64::try_from((nanos << 32) / ticks).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn tick_clock_measures_a_sleep() {
        let clock = super::TickClock::get();
        let wall = std::time::Instant::now();
        let start = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let end = clock.now();
        let measured = clock.nanos_between(start, end);
        // The wall-clock interval encloses the measured one; the
        // calibration is good to well under a percent.
        let actual = wall.elapsed().as_nanos() as u64;
        assert!(
            measured >= 19_800_000 && measured <= actual + actual / 100,
            "measured {measured} ns for {actual} ns"
        );
        assert_eq!(clock.nanos_between(end, start), 0);
    }

    #[test]
    fn jemalloc_statistics_are_readable() {
        let kept: Vec<Vec<u8>> = (0..100).map(|_| Vec::with_capacity(4096)).collect();
        let allocated = super::allocated_bytes();
        drop(kept);
        assert!(
            allocated.is_some_and(|bytes| bytes > 0),
            "mallctl failed: {allocated:?}"
        );
    }

    #[test]
    fn allocator_report_purge_and_counters_work() {
        let stats = super::allocator_stats().expect("mallctl epoch");
        assert!(stats.active >= stats.allocated && stats.resident >= stats.active);
        assert!(super::allocator_report().contains("jemalloc"));
        assert!(super::allocator_purge());
    }
}

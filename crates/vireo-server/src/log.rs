//! The server log, in Redis's line format:
//! `<pid>:<role> <day> <mon> <year> <hh:mm:ss.mmm> <level-char> <message>`.
//!
//! Lines are written unbuffered, one `write` each: supervisors and test
//! harnesses read the log while the server runs and must see every line at once.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::LogLevel;

/// Where log lines go.
enum Sink {
    Stdout,
    File(File),
}

struct Logger {
    level: LogLevel,
    sink: Sink,
}

static LOGGER: Mutex<Option<Logger>> = Mutex::new(None);

/// Sets up logging; `logfile` empty means standard output.
pub fn init(level: LogLevel, logfile: &str) -> std::io::Result<()> {
    let sink = if logfile.is_empty() {
        Sink::Stdout
    } else {
        Sink::File(OpenOptions::new().create(true).append(true).open(logfile)?)
    };
    if let Ok(mut logger) = LOGGER.lock() {
        *logger = Some(Logger { level, sink });
    }
    Ok(())
}

/// Changes the verbosity (CONFIG SET loglevel).
pub fn set_level(level: LogLevel) {
    if let Ok(mut guard) = LOGGER.lock() {
        if let Some(logger) = guard.as_mut() {
            logger.level = level;
        }
    }
}

/// Redirects standard-output logging to nowhere (after daemonizing).
pub fn stdout_closed() {
    if let Ok(mut guard) = LOGGER.lock() {
        if let Some(logger) = guard.as_mut() {
            if matches!(logger.sink, Sink::Stdout) {
                logger.level = LogLevel::Warning;
                if let Ok(null) = OpenOptions::new().write(true).open("/dev/null") {
                    logger.sink = Sink::File(null);
                }
            }
        }
    }
}

/// Writes one line at `level`.
pub fn log(level: LogLevel, message: &str) {
    let Ok(mut guard) = LOGGER.lock() else { return };
    let Some(logger) = guard.as_mut() else { return };
    if level < logger.level {
        return;
    }
    let line = format_line(level, message, SystemTime::now());
    // Logging must never take the server down: a full disk loses log lines only.
    let _ = match &mut logger.sink {
        Sink::Stdout => std::io::stdout().lock().write_all(line.as_bytes()),
        Sink::File(file) => file.write_all(line.as_bytes()),
    };
}

fn format_line(level: LogLevel, message: &str, now: SystemTime) -> String {
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let millis = since_epoch.subsec_millis();
    let (year, month, day, hour, minute, second) = civil_time(since_epoch.as_secs() as i64);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let level_char = match level {
        LogLevel::Debug => '.',
        LogLevel::Verbose => '-',
        LogLevel::Notice => '*',
        LogLevel::Warning => '#',
    };
    format!(
        "{}:M {:02} {} {} {:02}:{:02}:{:02}.{:03} {} {}\n",
        std::process::id(),
        day,
        MONTHS[(month - 1) as usize],
        year,
        hour,
        minute,
        second,
        millis,
        level_char,
        message
    )
}

/// UTC calendar fields of a Unix time (days-from-civil, inverted).
fn civil_time(unix_seconds: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = unix_seconds.div_euclid(86_400);
    let secs_of_day = unix_seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (secs_of_day / 3600) as u32,
        (secs_of_day % 3600 / 60) as u32,
        (secs_of_day % 60) as u32,
    )
}

/// Logs at `notice`.
#[macro_export]
macro_rules! notice {
    ($($arg:tt)*) => { $crate::log::log($crate::config::LogLevel::Notice, &format!($($arg)*)) };
}

/// Logs at `warning`.
#[macro_export]
macro_rules! warning {
    ($($arg:tt)*) => { $crate::log::log($crate::config::LogLevel::Warning, &format!($($arg)*)) };
}

/// Logs at `verbose`.
#[macro_export]
macro_rules! verbose {
    ($($arg:tt)*) => { $crate::log::log($crate::config::LogLevel::Verbose, &format!($($arg)*)) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn line_format_matches_redis() {
        // 2024-02-29 13:05:09.007 UTC
        let when = UNIX_EPOCH + Duration::from_millis(1_709_211_909_007);
        let line = format_line(LogLevel::Notice, "Ready to accept connections tcp", when);
        let expected = format!(
            "{}:M 29 Feb 2024 13:05:09.007 * Ready to accept connections tcp\n",
            std::process::id()
        );
        assert_eq!(line, expected);
    }

    #[test]
    fn civil_time_handles_epoch_and_year_ends() {
        assert_eq!(civil_time(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(civil_time(951_868_799), (2000, 2, 29, 23, 59, 59));
        assert_eq!(civil_time(1_735_689_599), (2024, 12, 31, 23, 59, 59));
    }
}

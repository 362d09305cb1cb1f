//! `vireo-server`: command-line entry point, `redis-server` compatible.
//!
//! Usage: `vireo-server [/path/to/redis.conf] [--name value ...]`.

use std::process::ExitCode;

use vireo_server::config::{Config, Invocation};
use vireo_server::{log, notice, os, warning};

// Redis uses jemalloc too: similar fragmentation behaviour, and its
// statistics will feed INFO memory.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn usage() {
    eprintln!(
        "Usage: ./vireo-server [/path/to/redis.conf] [options] [-]\n       \
         ./vireo-server - (read config from stdin)\n       \
         ./vireo-server -v or --version\n       \
         ./vireo-server -h or --help\n\n\
         Examples:\n       \
         ./vireo-server (run the server with default conf)\n       \
         ./vireo-server /etc/redis/6379.conf\n       \
         ./vireo-server --port 7777\n       \
         ./vireo-server /etc/myredis.conf --loglevel verbose"
    );
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match Config::from_args(&args) {
        Ok(Invocation::Run(config)) => *config,
        Ok(Invocation::Version) => {
            println!(
                "Vireo server v={} redis_version={}",
                vireo_server::VIREO_VERSION,
                vireo_server::server::REDIS_VERSION
            );
            return ExitCode::SUCCESS;
        }
        Ok(Invocation::Help) => {
            usage();
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(error) = std::env::set_current_dir(&config.dir) {
        eprintln!("Can't chdir to '{}': {error}", config.dir);
        return ExitCode::FAILURE;
    }
    if config.daemonize {
        if let Err(error) = os::daemonize() {
            eprintln!("Can't daemonize: {error}");
            return ExitCode::FAILURE;
        }
    }
    if let Err(error) = log::init(config.loglevel, &config.logfile) {
        eprintln!("Can't open the log file: {error}");
        return ExitCode::FAILURE;
    }
    if config.daemonize {
        log::stdout_closed();
    }
    notice!("oO0OoO0OoO0Oo Vireo is starting oO0OoO0OoO0Oo");
    if args.is_empty() {
        warning!("Warning: no config file specified, using the default config. In order to specify a config file use vireo-server /path/to/redis.conf");
    } else {
        notice!("Configuration loaded");
    }
    let pidfile = match (&config.pidfile, config.daemonize) {
        (path, _) if !path.is_empty() => Some(path.clone()),
        (_, true) => Some(format!("/var/run/redis_{}.pid", config.port)),
        _ => None,
    };
    if let Some(path) = &pidfile {
        if let Err(error) = std::fs::write(path, format!("{}\n", std::process::id())) {
            warning!("Failed to write PID file: {error}");
        }
    }
    if let Err(error) = os::install_signal_handlers() {
        warning!("Can't install signal handlers: {error}");
    }
    match vireo_server::run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            warning!("Fatal: {error}");
            ExitCode::FAILURE
        }
    }
}

//! Keyspace notifications (`notify-keyspace-events`).
//!
//! Design: a write command that changes a key calls
//! [`Server::notify_keyspace_event`] with the event's class and name, right
//! after the change and in Redis's order. When the configured classes
//! include the event's class, the event is published through pub/sub as
//! `__keyspace@<db>__:<key>` with the event name as message (class `K`)
//! and as `__keyevent@<db>__:<event>` with the key as message (class `E`).
//!
//! Keys removed by lazy or active expiry (`expired`), keys created (`new`)
//! and read lookups of missing keys (`keymiss`) are noticed inside the
//! database layer, which has no pub/sub: it logs them while the configured
//! classes ask for them, and the server publishes the log before any other
//! notification, after each command and after each active expire cycle.
//! Redis publishes those at the lookup itself, so for the client running
//! the command (which may be subscribed too) the pushes are placed at its
//! anchor: the end of its output at the command's start or last
//! notification, before the reply written since.
//!
//! Cost when notifications are off (the default): one test of the class
//! bits per call site, and the databases log nothing.

use vireo_core::db::KeyEvent;

use crate::client::Client;
use crate::server::Server;

/// `K`: publish on `__keyspace@<db>__:<key>`.
pub const KEYSPACE: u32 = 1 << 0;
/// `E`: publish on `__keyevent@<db>__:<event>`.
pub const KEYEVENT: u32 = 1 << 1;
/// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
pub const GENERIC: u32 = 1 << 2;
/// `$`: string commands.
pub const STRING: u32 = 1 << 3;
/// `l`: list commands.
pub const LIST: u32 = 1 << 4;
/// `s`: set commands.
pub const SET: u32 = 1 << 5;
/// `h`: hash commands.
pub const HASH: u32 = 1 << 6;
/// `z`: sorted set commands.
pub const ZSET: u32 = 1 << 7;
/// `x`: keys removed because their time had passed.
pub const EXPIRED: u32 = 1 << 8;
/// `e`: keys evicted for maxmemory.
pub const EVICTED: u32 = 1 << 9;
/// `t`: stream commands.
pub const STREAM: u32 = 1 << 10;
/// `m`: lookups of missing keys.
pub const KEY_MISS: u32 = 1 << 11;
/// `d`: module key types.
pub const MODULE: u32 = 1 << 12;
/// `n`: keys created.
pub const NEW: u32 = 1 << 13;
/// `A`: every class but `m` and `n` (Redis compat: those two are left out).
pub const ALL: u32 =
    GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// Letters and their classes, in the order Redis shows them after `A`'s
/// members (the `else` branch of its formatting) and then the rest.
const MEMBER_LETTERS: [(char, u32); 11] = [
    ('g', GENERIC),
    ('$', STRING),
    ('l', LIST),
    ('s', SET),
    ('h', HASH),
    ('z', ZSET),
    ('x', EXPIRED),
    ('e', EVICTED),
    ('t', STREAM),
    ('d', MODULE),
    ('n', NEW),
];
const TRAILING_LETTERS: [(char, u32); 3] = [('K', KEYSPACE), ('E', KEYEVENT), ('m', KEY_MISS)];

/// The class bits of a `notify-keyspace-events` value; `None` if a letter
/// names no class.
pub fn classes_from_letters(letters: &str) -> Option<u32> {
    let mut classes = 0;
    for letter in letters.chars() {
        classes |= match letter {
            'A' => ALL,
            _ => MEMBER_LETTERS
                .iter()
                .chain(TRAILING_LETTERS.iter())
                .find(|(known, _)| *known == letter)
                .map(|(_, class)| *class)?,
        };
    }
    Some(classes)
}

/// The canonical text of class bits, as CONFIG GET shows it.
pub fn letters_from_classes(classes: u32) -> String {
    let mut text = String::new();
    // Redis compat: with every member of `A` set, `A` stands for them and
    // `n` is not shown even when set.
    if classes & ALL == ALL {
        text.push('A');
    } else {
        text.extend(
            MEMBER_LETTERS
                .iter()
                .filter(|(_, class)| classes & class != 0)
                .map(|(letter, _)| *letter),
        );
    }
    text.extend(
        TRAILING_LETTERS
            .iter()
            .filter(|(_, class)| classes & class != 0)
            .map(|(letter, _)| *letter),
    );
    text
}

/// Has the lookups made from now on announced after the output written so
/// far: for a reply header written before the lookups (MGET's array).
pub fn announce_after_output(client: &mut Client) {
    client.key_event_anchor = client.out.len();
}

impl Server {
    /// Announces `event` of `class` on `key` in database `db`, if the
    /// configured classes include it. `client` is the client running the
    /// command, if any (it may itself be a subscriber).
    #[inline]
    pub fn notify_keyspace_event(
        &mut self,
        client: Option<&mut Client>,
        class: u32,
        event: &str,
        key: &[u8],
        db: usize,
    ) {
        if self.config.notify_keyspace_events & class == 0 {
            return;
        }
        self.publish_keyspace_event(client, event, key, db);
    }

    /// [`Server::notify_keyspace_event`] for the client's selected database.
    #[inline]
    pub fn notify(&mut self, client: &mut Client, class: u32, event: &str, key: &[u8]) {
        if self.config.notify_keyspace_events & class == 0 {
            return;
        }
        let db = client.db;
        self.publish_keyspace_event(Some(client), event, key, db);
    }

    fn publish_keyspace_event(
        &mut self,
        mut client: Option<&mut Client>,
        event: &str,
        key: &[u8],
        db: usize,
    ) {
        match client.as_deref_mut() {
            Some(current) => self.publish_logged_key_events(current),
            None => self.publish_database_key_events(None),
        }
        let classes = self.config.notify_keyspace_events;
        if classes & KEYSPACE != 0 {
            let mut channel = format!("__keyspace@{db}__:").into_bytes();
            channel.extend_from_slice(key);
            crate::cmd::pubsub::publish_message(
                self,
                client.as_deref_mut(),
                &channel,
                event.as_bytes(),
            );
        }
        if classes & KEYEVENT != 0 {
            let channel = format!("__keyevent@{db}__:{event}").into_bytes();
            crate::cmd::pubsub::publish_message(self, client.as_deref_mut(), &channel, key);
        }
        if let Some(current) = client {
            current.key_event_anchor = current.out.len();
        }
    }

    /// Publishes the expiries, creations and misses the databases logged so
    /// far, if notifications are on. Handlers call it where Redis announces
    /// a lookup before more of the reply follows (MGET, SET with GET).
    #[inline]
    pub fn announce_lookups(&mut self, client: &mut Client) {
        if self.config.notify_keyspace_events != 0 {
            self.publish_logged_key_events(client);
        }
    }

    /// Publishes what the databases logged; the pushes to the client running
    /// the command go at its anchor: Redis publishes them at the lookup or
    /// insert, before the reply written since the command's last
    /// notification.
    fn publish_logged_key_events(&mut self, client: &mut Client) {
        if !self.dbs.iter().any(vireo_core::Db::has_key_events) {
            return;
        }
        let start = client
            .key_event_anchor
            .clamp(client.out_sent, client.out.len());
        let output = client.out.split_off(start);
        let (moved, kept): (Vec<_>, Vec<_>) = client
            .kept_pushes
            .drain(..)
            .partition(|range| range.start >= start);
        client.kept_pushes = kept;
        self.publish_database_key_events(Some(client));
        let inserted = client.out.len() - start;
        client.out.extend_from_slice(&output);
        client.kept_pushes.extend(
            moved
                .into_iter()
                .map(|range| range.start + inserted..range.end + inserted),
        );
        client.key_event_anchor = start + inserted;
    }

    /// Publishes the expiries, creations and misses the databases logged,
    /// oldest first per database, appending to every subscriber's output.
    pub(crate) fn publish_database_key_events(&mut self, mut client: Option<&mut Client>) {
        let mut logged = Vec::new();
        for (db, database) in self.dbs.iter_mut().enumerate() {
            if database.has_key_events() {
                logged.extend(
                    database
                        .drain_key_events()
                        .into_iter()
                        .map(|(kind, key)| (db, kind, key)),
                );
            }
        }
        for (db, kind, key) in logged {
            let (class, event) = match kind {
                KeyEvent::Expired => (EXPIRED, "expired"),
                KeyEvent::Created => (NEW, "new"),
                KeyEvent::Missed => (KEY_MISS, "keymiss"),
            };
            if self.config.notify_keyspace_events & class != 0 {
                self.publish_keyspace_event(client.as_deref_mut(), event, &key, db);
            }
        }
    }

    /// Makes the databases log expiries, creations and read misses exactly
    /// when the configured classes ask for them.
    pub fn apply_notify_classes(&mut self) {
        let classes = self.config.notify_keyspace_events;
        let mut kinds = Vec::new();
        if classes & (KEYSPACE | KEYEVENT) != 0 {
            for (class, kind) in [
                (EXPIRED, KeyEvent::Expired),
                (NEW, KeyEvent::Created),
                (KEY_MISS, KeyEvent::Missed),
            ] {
                if classes & class != 0 {
                    kinds.push(kind);
                }
            }
        }
        for db in &mut self.dbs {
            db.set_record_key_events(&kinds);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_round_trip_in_redis_order() {
        let shown = |letters: &str| classes_from_letters(letters).map(letters_from_classes);
        assert_eq!(shown("KEA").as_deref(), Some("AKE"));
        assert_eq!(shown("Anm").as_deref(), Some("Am"));
        assert_eq!(shown("gx$K").as_deref(), Some("g$xK"));
        assert_eq!(shown("En").as_deref(), Some("nE"));
        assert_eq!(shown("").as_deref(), Some(""));
        assert_eq!(shown("Q"), None);
    }
}

//! Pub/sub vocabulary shared by the core and the adapters: subscription
//! kinds, [`Message`], [`Delivery`], and the bounded per-subscriber queue
//! that turns overflow into an explicit "lagged by N".

use std::collections::VecDeque;

use bytes::Bytes;

/// What a subscription listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscriptionKind {
    /// One channel (`SUBSCRIBE`).
    Channel,
    /// A glob pattern of channels (`PSUBSCRIBE`).
    Pattern,
    /// One shard channel (`SSUBSCRIBE`).
    Shard,
}

impl SubscriptionKind {
    pub(crate) fn subscribe_command(self) -> &'static str {
        match self {
            SubscriptionKind::Channel => "SUBSCRIBE",
            SubscriptionKind::Pattern => "PSUBSCRIBE",
            SubscriptionKind::Shard => "SSUBSCRIBE",
        }
    }

    pub(crate) fn unsubscribe_command(self) -> &'static str {
        match self {
            SubscriptionKind::Channel => "UNSUBSCRIBE",
            SubscriptionKind::Pattern => "PUNSUBSCRIBE",
            SubscriptionKind::Shard => "SUNSUBSCRIBE",
        }
    }

    /// The first element of the server's confirmation of a (un)subscribe.
    pub(crate) fn confirmation(self, subscribe: bool) -> &'static [u8] {
        match (self, subscribe) {
            (SubscriptionKind::Channel, true) => b"subscribe",
            (SubscriptionKind::Pattern, true) => b"psubscribe",
            (SubscriptionKind::Shard, true) => b"ssubscribe",
            (SubscriptionKind::Channel, false) => b"unsubscribe",
            (SubscriptionKind::Pattern, false) => b"punsubscribe",
            (SubscriptionKind::Shard, false) => b"sunsubscribe",
        }
    }

    pub(crate) const ALL: [SubscriptionKind; 3] = [
        SubscriptionKind::Channel,
        SubscriptionKind::Pattern,
        SubscriptionKind::Shard,
    ];
}

/// One published message, or one `MONITOR` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The channel it was published to (empty for a `MONITOR` line).
    pub channel: Bytes,
    /// The pattern that matched, for pattern subscriptions.
    pub pattern: Option<Bytes>,
    /// The payload (for `MONITOR`, the whole line).
    pub payload: Bytes,
}

/// What a subscriber receives, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The next message.
    Message(Message),
    /// This many messages were dropped here because the subscriber did not
    /// keep up and its queue was full. The oldest messages are the ones
    /// dropped, so what follows is the most recent backlog.
    Lagged(u64),
    /// The subscription has ended (the client closed, or the server
    /// refused the subscription); nothing follows.
    Closed,
}

/// A bounded queue of messages with a lag counter.
#[derive(Debug)]
pub(crate) struct SubscriberQueue {
    messages: VecDeque<Message>,
    capacity: usize,
    lagged: u64,
    closed: bool,
    /// An `Event::Messages` was emitted and not yet answered by the
    /// subscriber draining the queue.
    pub(crate) signalled: bool,
}

impl SubscriberQueue {
    pub(crate) fn new(capacity: usize) -> SubscriberQueue {
        SubscriberQueue {
            messages: VecDeque::new(),
            capacity: capacity.max(1),
            lagged: 0,
            closed: false,
            signalled: false,
        }
    }

    pub(crate) fn push(&mut self, message: Message) {
        if self.closed {
            return;
        }
        if self.messages.len() == self.capacity {
            self.messages.pop_front();
            self.lagged += 1;
        }
        self.messages.push_back(message);
    }

    pub(crate) fn close(&mut self) {
        self.closed = true;
    }

    pub(crate) fn pop(&mut self) -> Option<Delivery> {
        if self.lagged > 0 {
            let lagged = std::mem::take(&mut self.lagged);
            return Some(Delivery::Lagged(lagged));
        }
        if let Some(message) = self.messages.pop_front() {
            return Some(Delivery::Message(message));
        }
        if self.closed {
            return Some(Delivery::Closed);
        }
        self.signalled = false;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(n: u8) -> Message {
        Message {
            channel: Bytes::from_static(b"c"),
            pattern: None,
            payload: Bytes::copy_from_slice(&[n]),
        }
    }

    #[test]
    fn overflow_drops_the_oldest_and_reports_the_lag_first() {
        let mut queue = SubscriberQueue::new(2);
        for n in 0..5 {
            queue.push(message(n));
        }
        assert_eq!(queue.pop(), Some(Delivery::Lagged(3)));
        assert_eq!(queue.pop(), Some(Delivery::Message(message(3))));
        assert_eq!(queue.pop(), Some(Delivery::Message(message(4))));
        assert_eq!(queue.pop(), None);
        queue.close();
        queue.push(message(9));
        assert_eq!(queue.pop(), Some(Delivery::Closed));
        assert_eq!(queue.pop(), Some(Delivery::Closed));
    }
}

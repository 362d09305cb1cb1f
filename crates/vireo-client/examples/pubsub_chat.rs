//! A terminal chat room over pub/sub: every line typed is published to the
//! room, and every message in the room is printed.
//!
//! `cargo run -p vireo-client --example pubsub_chat -- NAME [ROOM] [URL]`
//! in two terminals.

use tokio::io::{AsyncBufReadExt, BufReader};
use vireo_client::{cmd, tokio::Client, Delivery};

#[tokio::main]
async fn main() -> Result<(), vireo_client::Error> {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "anonymous".into());
    let room = format!("chat:{}", args.next().unwrap_or_else(|| "lobby".into()));
    let url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379".into());

    // Over RESP3 one connection carries both the subscription and the
    // PUBLISH commands.
    let client = Client::connect(&url).await?;
    let mut messages = client.subscribe(&room).await?;
    println!("joined {room} as {name}; type lines, Ctrl-D to leave");

    let listener = tokio::spawn(async move {
        loop {
            match messages.next().await {
                Delivery::Message(message) => {
                    println!("{}", String::from_utf8_lossy(&message.payload))
                }
                Delivery::Lagged(missed) => println!("({missed} messages missed)"),
                Delivery::Closed => break,
            }
        }
    });

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let text = format!("<{name}> {line}");
        client
            .query::<i64>(cmd("PUBLISH").arg(room.as_str()).arg(text))
            .await?;
    }
    // Closing ends the subscription after the messages already received.
    client.close().await;
    let _ = listener.await;
    Ok(())
}

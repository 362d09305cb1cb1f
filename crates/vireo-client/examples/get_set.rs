//! GET and SET through the tokio client: `cargo run -p vireo-client
//! --example get_set [redis://host:port/db]`.

use vireo_client::{cmd, tokio::Client};

#[tokio::main]
async fn main() -> Result<(), vireo_client::Error> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or("redis://127.0.0.1:6379".into());
    let client = Client::connect(&url).await?;
    client
        .query::<()>(cmd("SET").arg("greeting").arg("hello"))
        .await?;
    let greeting: Option<String> = client.query(cmd("GET").arg("greeting")).await?;
    println!("greeting = {greeting:?}");
    Ok(())
}

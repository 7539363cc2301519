//! A TCP proxy that drops connections at random points: the network a phone has on a bad day. Each connection
//! is cut after a seeded random number of bytes (in either direction), so a test can replay the same cuts.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::faults::Dice;

/// A running proxy from `port` to a server port; stops when dropped.
pub struct FlakyProxy {
    pub port: u16,
    /// How many connections it cut.
    pub cuts: Arc<AtomicU64>,
    /// How many of the next connections it will cut.
    armed: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl FlakyProxy {
    /// Forwards to `127.0.0.1:target`; once [`Self::arm`]ed, cuts each of the next connections after
    /// 200..`max_bytes` bytes. Later connections pass untouched, so a test always ends.
    pub async fn start(target: u16, seed: u64, max_bytes: u64) -> FlakyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let port = listener.local_addr().expect("address").port();
        let cuts = Arc::new(AtomicU64::new(0));
        let armed = Arc::new(AtomicU64::new(0));
        let counter = cuts.clone();
        let remaining = armed.clone();
        let mut dice = Dice::new(seed);
        let task = relay(listener, target, move |_| {
            let draw = dice.draw();
            let cut = remaining
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok();
            let budget = cut.then(|| 200 + draw % max_bytes.max(1));
            let counter = counter.clone();
            move |client, server| async move {
                if forward(client, server, budget).await {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        FlakyProxy {
            port,
            cuts,
            armed,
            task,
        }
    }

    /// Cuts the next `connections` connections.
    pub fn arm(&self, connections: u64) {
        self.armed.store(connections, Ordering::Relaxed);
    }
}

impl Drop for FlakyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Accepts connections on `listener` until the returned task is aborted; for each (numbered from 1),
/// `on_accept` decides at once what will happen to it (so a seeded decision follows the order of the
/// connections), and what it returns then runs on its own task with the client's stream and a new one to
/// `127.0.0.1:target`. The proxies of this harness differ only in that per-connection part.
pub(crate) fn relay<A, H, F>(listener: TcpListener, target: u16, mut on_accept: A) -> JoinHandle<()>
where
    A: FnMut(u64) -> H + Send + 'static,
    H: FnOnce(TcpStream, TcpStream) -> F + Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut connection = 0u64;
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            connection += 1;
            let handle = on_accept(connection);
            tokio::spawn(async move {
                if let Ok(server) = TcpStream::connect(("127.0.0.1", target)).await {
                    handle(client, server).await;
                }
            });
        }
    })
}

/// Copies both ways until either side closes or `budget` bytes have passed; returns whether it cut.
async fn forward(client: TcpStream, server: TcpStream, budget: Option<u64>) -> bool {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let passed = Arc::new(AtomicU64::new(0));
    let limit = budget.unwrap_or(u64::MAX);
    let up_passed = passed.clone();
    let up = async move {
        let mut buffer = [0u8; 4096];
        loop {
            let Ok(n) = client_read.read(&mut buffer).await else {
                return;
            };
            if n == 0 || server_write.write_all(&buffer[..n]).await.is_err() {
                return;
            }
            if up_passed.fetch_add(n as u64, Ordering::Relaxed) + n as u64 >= limit {
                return;
            }
        }
    };
    let down_passed = passed.clone();
    let down = async move {
        let mut buffer = [0u8; 4096];
        loop {
            let Ok(n) = server_read.read(&mut buffer).await else {
                return;
            };
            if n == 0 || client_write.write_all(&buffer[..n]).await.is_err() {
                return;
            }
            if down_passed.fetch_add(n as u64, Ordering::Relaxed) + n as u64 >= limit {
                return;
            }
        }
    };
    // Whichever direction ends first ends the connection: both halves are dropped, as a dead network does.
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
    passed.load(Ordering::Relaxed) >= limit
}

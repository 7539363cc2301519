//! A proxy that breaks WebSocket frames, not just connections: between devices and the server it drops,
//! duplicates, delays and reorders whole messages and cuts connections in the middle, each with a seeded chance,
//! so a run can be replayed. It passes the HTTP upgrade through untouched and then reads the stream as WebSocket
//! frames (RFC 6455 §5.2), so it works for any client, the test `Device` and `tov` alike, and the bytes it
//! forwards are always whole frames: what a lossy, duplicating, reordering path of messages does, without
//! corrupting the framing itself (the cut is the one fault that leaves a frame half sent).
//!
//! Control frames (close, ping, pong) and fragments of a longer message pass unchanged: the faults are the
//! sync protocol's to survive, not the WebSocket library's.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::proxy::relay;

/// The chance of each fault for each whole message, in either direction.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    pub drop: f64,
    pub duplicate: f64,
    /// A delayed message waits 1..=`max_delay` before it goes on (and so do the ones behind it).
    pub delay: f64,
    pub max_delay: Duration,
    /// A reordered message goes after the next one (or after 50 ms if none comes).
    pub reorder: f64,
    /// The connection is cut in the middle of this message: half of it is sent, then both ways close.
    pub cut: f64,
}

impl Faults {
    /// A bad day's network: every fault a few percent of the time.
    pub fn bad_day() -> Faults {
        Faults {
            drop: 0.03,
            duplicate: 0.03,
            delay: 0.05,
            max_delay: Duration::from_millis(200),
            reorder: 0.03,
            cut: 0.02,
        }
    }
}

/// What the proxy did, counted over all connections.
#[derive(Debug, Default)]
pub struct FaultCounts {
    pub connections: AtomicU64,
    pub messages: AtomicU64,
    pub dropped: AtomicU64,
    pub duplicated: AtomicU64,
    pub delayed: AtomicU64,
    pub reordered: AtomicU64,
    pub cut: AtomicU64,
}

impl FaultCounts {
    /// One line for a report.
    pub fn summary(&self) -> String {
        let n = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        format!(
            "{} connections, {} messages: {} dropped, {} duplicated, {} delayed, {} reordered, {} connections cut",
            n(&self.connections),
            n(&self.messages),
            n(&self.dropped),
            n(&self.duplicated),
            n(&self.delayed),
            n(&self.reordered),
            n(&self.cut)
        )
    }
}

/// A running fault proxy from `port` to a server port; stops when dropped.
pub struct FaultProxy {
    pub port: u16,
    pub counts: Arc<FaultCounts>,
    /// While false, new connections pass every message untouched (the network is good again).
    enabled: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Forwards to `127.0.0.1:target`, breaking messages as `faults` says; `seed` fixes the dice.
    pub async fn start(target: u16, faults: Faults, seed: u64) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fault proxy");
        let port = listener.local_addr().expect("address").port();
        let counts = Arc::new(FaultCounts::default());
        let enabled = Arc::new(AtomicBool::new(true));
        let task = relay(listener, target, {
            let counts = counts.clone();
            let enabled = enabled.clone();
            move |connection| {
                counts.connections.fetch_add(1, Ordering::Relaxed);
                let faults = enabled.load(Ordering::Relaxed).then_some(faults);
                let counts = counts.clone();
                let seed = seed ^ connection.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                move |client, server| forward(client, server, faults, seed, counts)
            }
        });
        FaultProxy {
            port,
            counts,
            enabled,
            task,
        }
    }

    /// Turns the faults on or off for connections opened from now on.
    pub fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::Relaxed);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Both directions of one connection; whichever ends first ends both, as a dead network does.
async fn forward(
    client: TcpStream,
    server: TcpStream,
    faults: Option<Faults>,
    seed: u64,
    counts: Arc<FaultCounts>,
) {
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let up = pump(client_read, server_write, faults, Dice::new(seed), counts.clone());
    let down = pump(
        server_read,
        client_write,
        faults,
        Dice::new(seed.rotate_left(17) ^ 1),
        counts,
    );
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

/// One direction: the HTTP upgrade verbatim, then frame by frame with the faults. Returns when either side is
/// gone, the stream is not WebSocket framing, or the dice cut the connection.
async fn pump(
    from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    faults: Option<Faults>,
    mut dice: Dice,
    counts: Arc<FaultCounts>,
) {
    let mut from = BufReader::new(from);
    // The upgrade request or response: lines up to the empty one.
    loop {
        let mut line = Vec::new();
        match from.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if to.write_all(&line).await.is_err() {
            return;
        }
        if line == b"\r\n" {
            break;
        }
    }
    let mut held: Option<Vec<u8>> = None;
    loop {
        // A held (reordered) message waits for the next one at most 50 ms.
        let frame = if held.is_some() {
            match tokio::time::timeout(Duration::from_millis(50), read_frame(&mut from)).await {
                Ok(frame) => frame,
                Err(_) => {
                    let late = held.take().expect("held");
                    if to.write_all(&late).await.is_err() {
                        return;
                    }
                    continue;
                }
            }
        } else {
            read_frame(&mut from).await
        };
        let Some(frame) = frame else {
            return;
        };
        let whole_message = frame[0] & 0x80 != 0 && matches!(frame[0] & 0x0f, 0x1 | 0x2);
        let Some(faults) = faults.filter(|_| whole_message) else {
            if to.write_all(&frame).await.is_err() {
                return;
            }
            continue;
        };
        counts.messages.fetch_add(1, Ordering::Relaxed);
        let mut out: Vec<Vec<u8>> = Vec::new();
        if dice.roll(faults.cut) {
            counts.cut.fetch_add(1, Ordering::Relaxed);
            let _ = to.write_all(&frame[..frame.len() / 2]).await;
            return;
        } else if dice.roll(faults.drop) {
            counts.dropped.fetch_add(1, Ordering::Relaxed);
        } else if held.is_none() && dice.roll(faults.reorder) {
            counts.reordered.fetch_add(1, Ordering::Relaxed);
            held = Some(frame);
            continue;
        } else {
            if dice.roll(faults.delay) {
                counts.delayed.fetch_add(1, Ordering::Relaxed);
                let millis = faults.max_delay.as_millis().max(1) as u64;
                tokio::time::sleep(Duration::from_millis(1 + dice.draw() % millis)).await;
            }
            if dice.roll(faults.duplicate) {
                counts.duplicated.fetch_add(1, Ordering::Relaxed);
                out.push(frame.clone());
            }
            out.push(frame);
        }
        out.extend(held.take());
        for bytes in out {
            if to.write_all(&bytes).await.is_err() {
                return;
            }
        }
    }
}

/// Reads one whole WebSocket frame, header and payload, as it was on the wire; `None` at the end of the stream.
async fn read_frame(from: &mut (impl AsyncRead + Unpin)) -> Option<Vec<u8>> {
    let mut frame = vec![0u8; 2];
    from.read_exact(&mut frame).await.ok()?;
    let masked = frame[1] & 0x80 != 0;
    let length = match frame[1] & 0x7f {
        126 => {
            let mut extended = [0u8; 2];
            from.read_exact(&mut extended).await.ok()?;
            frame.extend_from_slice(&extended);
            u64::from(u16::from_be_bytes(extended))
        }
        127 => {
            let mut extended = [0u8; 8];
            from.read_exact(&mut extended).await.ok()?;
            frame.extend_from_slice(&extended);
            u64::from_be_bytes(extended)
        }
        short => u64::from(short),
    };
    // The server accepts frames of a few MiB at most; anything bigger here is not a stream this proxy understands.
    if length > 64 << 20 {
        return None;
    }
    let header = frame.len();
    let mask = if masked { 4 } else { 0 };
    frame.resize(header + mask + length as usize, 0);
    from.read_exact(&mut frame[header..]).await.ok()?;
    Some(frame)
}

/// A seeded xorshift generator: the same seed, the same faults (and the same edits in the runs of `fault_runs`).
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice(seed.max(1))
    }

    pub fn draw(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// True with probability `chance`.
    pub fn roll(&mut self, chance: f64) -> bool {
        ((self.draw() >> 11) as f64 / (1u64 << 53) as f64) < chance
    }
}

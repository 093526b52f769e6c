//! A TCP relay a test can cut: network partitions without network
//! namespaces or iptables (CI machines may have neither).
//!
//! A [`Relay`] listens on a loopback port, connects each accepted connection
//! to its upstream address and copies bytes both ways. The real Casebook
//! node and the real `nats-server` talk through it; the test changes what
//! the wire does:
//!
//! - [`Relay::cut`]: every connection is dropped at once (both ends see the
//!   connection end) and new ones are closed as soon as they are accepted,
//!   as when a host is unreachable and says so;
//! - [`Relay::blackhole`]: connections stay open but no byte flows either
//!   way, and new ones are accepted and then hear nothing, as when packets
//!   are silently dropped (only timeouts and pings notice);
//! - [`Relay::heal`]: bytes flow again; after a blackhole the same
//!   connections carry on with what was held back (TCP retransmitting).

use anyhow::Result;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the wire does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Open,
    Cut,
    Blackhole,
}

#[derive(Debug, Clone, Copy)]
struct Wire {
    mode: Mode,
    /// How many cuts happened: a connection opened before a cut ends with it.
    cuts: u64,
}

/// A cuttable TCP relay in front of one upstream address.
pub struct Relay {
    addr: SocketAddr,
    wire: Arc<watch::Sender<Wire>>,
    accept: tokio::task::AbortHandle,
}

impl Relay {
    /// Listens on a free loopback port and relays to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Result<Relay> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (wire, _) = watch::channel(Wire {
            mode: Mode::Open,
            cuts: 0,
        });
        let wire = Arc::new(wire);
        let accepting = Arc::clone(&wire);
        let accept = tokio::spawn(async move {
            while let Ok((downstream, _)) = listener.accept().await {
                let now = *accepting.borrow();
                if now.mode == Mode::Cut {
                    // Closed at once: the peer sees its connection end.
                    drop(downstream);
                    continue;
                }
                tokio::spawn(relay(downstream, upstream, accepting.subscribe(), now.cuts));
            }
        })
        .abort_handle();
        Ok(Relay { addr, wire, accept })
    }

    /// Where to connect instead of upstream.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Drops every connection; new ones are closed when accepted.
    pub fn cut(&self) {
        self.wire.send_modify(|w| {
            w.mode = Mode::Cut;
            w.cuts += 1;
        });
    }

    /// Holds every byte, both ways, on open and new connections alike.
    pub fn blackhole(&self) {
        self.wire.send_modify(|w| w.mode = Mode::Blackhole);
    }

    /// Lets bytes flow again.
    pub fn heal(&self) {
        self.wire.send_modify(|w| w.mode = Mode::Open);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        // Ends every connection's copy task.
        self.cut();
    }
}

/// Waits until the wire is open; `false` when it was cut since `cuts`.
async fn open(wire: &mut watch::Receiver<Wire>, cuts: u64) -> bool {
    match wire
        .wait_for(|w| w.cuts != cuts || w.mode == Mode::Open)
        .await
    {
        Ok(w) => w.cuts == cuts,
        Err(_) => false,
    }
}

/// Whether the wire was cut since `cuts` (the copy must stop now).
async fn cut_since(mut wire: watch::Receiver<Wire>, cuts: u64) {
    let _ = wire.wait_for(|w| w.cuts != cuts).await;
}

async fn relay(
    downstream: TcpStream,
    upstream: SocketAddr,
    mut wire: watch::Receiver<Wire>,
    cuts: u64,
) {
    // A connection accepted in a blackhole hears nothing until it heals.
    if !open(&mut wire, cuts).await {
        return;
    }
    let Ok(upstream) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = downstream.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let (down_read, down_write) = downstream.into_split();
    let (up_read, up_write) = upstream.into_split();
    let copies = async {
        tokio::join!(
            copy(down_read, up_write, wire.clone(), cuts),
            copy(up_read, down_write, wire.clone(), cuts)
        )
    };
    // Dropping both halves of both sockets closes them.
    tokio::select! {
        _ = copies => {}
        _ = cut_since(wire.clone(), cuts) => {}
    }
}

/// Copies `from` to `to` while the wire is open; holds the bytes (reads
/// nothing more, writes nothing) in a blackhole. Ends at end of file, on an
/// error (the other half is shut down) or on a cut.
async fn copy(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut wire: watch::Receiver<Wire>,
    cuts: u64,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if !open(&mut wire, cuts).await {
            return;
        }
        let n = tokio::select! {
            read = from.read(&mut buf) => match read {
                Ok(0) | Err(_) => {
                    let _ = to.shutdown().await;
                    return;
                }
                Ok(n) => n,
            },
            // A blackhole (or cut) began while waiting: look again.
            _ = wire.changed() => continue,
        };
        // Bytes read just as a blackhole began are held until it heals.
        if !open(&mut wire, cuts).await || to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

//! A TCP proxy in front of a server that counts client round trips, for tests and benchmarks
//! that hold pgshift to its round-trip budgets.
//!
//! A round trip is a message after which the client waits for the server: a simple `Query`
//! (`Q`) or an extended-protocol `Sync` (`S`). Startup and authentication are not counted.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// A running proxy. Connect to [`RoundTripCounter::port`] instead of the server's port.
#[derive(Debug)]
pub struct RoundTripCounter {
    port: u16,
    count: Arc<AtomicUsize>,
}

impl RoundTripCounter {
    /// Starts a proxy to `127.0.0.1:upstream_port` on a free port. Its threads live as long
    /// as the process.
    pub fn start(upstream_port: u16) -> io::Result<RoundTripCounter> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let count = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&count);
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let counter = Arc::clone(&counter);
                thread::spawn(move || {
                    if let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)) {
                        let _ = relay(client, server, &counter);
                    }
                });
            }
        });
        Ok(RoundTripCounter { port, count })
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Round trips counted since the start or the last [`reset`](Self::reset).
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Sets the count back to zero.
    pub fn reset(&self) {
        self.count.store(0, Ordering::SeqCst);
    }
}

fn relay(mut client: TcpStream, server: TcpStream, count: &AtomicUsize) -> io::Result<()> {
    let mut server_read = server.try_clone()?;
    let mut client_write = client.try_clone()?;
    thread::spawn(move || {
        let _ = io::copy(&mut server_read, &mut client_write);
        let _ = client_write.shutdown(Shutdown::Both);
    });
    let mut server = server;
    // Untyped startup messages: SSLRequest/GSSENCRequest (answered with one byte), then StartupMessage.
    loop {
        let mut len = [0u8; 4];
        client.read_exact(&mut len)?;
        let n = u32::from_be_bytes(len) as usize;
        let mut body = vec![0u8; n.saturating_sub(4)];
        client.read_exact(&mut body)?;
        server.write_all(&len)?;
        server.write_all(&body)?;
        let code = body
            .get(..4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
        if !matches!(code, Some(80877103 | 80877104)) {
            break;
        }
    }
    loop {
        let mut head = [0u8; 5];
        if client.read_exact(&mut head).is_err() {
            break;
        }
        let n = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0u8; n.saturating_sub(4)];
        client.read_exact(&mut body)?;
        if matches!(head[0], b'Q' | b'S') {
            count.fetch_add(1, Ordering::SeqCst);
        }
        server.write_all(&head)?;
        server.write_all(&body)?;
        if head[0] == b'X' {
            break;
        }
    }
    let _ = server.shutdown(Shutdown::Both);
    Ok(())
}

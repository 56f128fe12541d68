//! A TCP proxy in front of a server that misbehaves on demand, for the network faults a
//! real server cannot be made to show: a connection closed at once, one accepted and never
//! answered, a response cut after N bytes. Threaded and blocking (std only), so a test
//! needs no runtime for it.
//!
//! The mode is read when a connection is accepted; connections already open keep the mode
//! they started with (a client's pooled connection is not changed under it).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// What the proxy does with the next connections it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyMode {
    /// Relay both ways, untouched.
    Pass,
    /// Close the connection as soon as it is accepted, before reading anything.
    Refuse,
    /// Accept and read the request, never answer, never close (until the proxy drops).
    Stall,
    /// Relay the request, but only the first N bytes of what the server sends back on the
    /// connection, then close it: a response cut in its headers or mid-body.
    CutResponseAfter(usize),
}

struct Shared {
    mode: Mutex<ProxyMode>,
    stop: AtomicBool,
    accepted: AtomicUsize,
    /// Stalled connections, kept open until the proxy drops.
    stalled: Mutex<Vec<TcpStream>>,
}

/// A proxy on a free loopback port relaying to `upstream`; stopped on drop.
pub struct FaultProxy {
    /// `http://127.0.0.1:PORT`: give this to clients instead of the server's URL.
    pub url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Starts relaying to `upstream`, a URL like `http://127.0.0.1:PORT` or `HOST:PORT`.
    pub fn start(upstream: &str) -> Self {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("the upstream is http://IP:PORT");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            mode: Mutex::new(ProxyMode::Pass),
            stop: AtomicBool::new(false),
            accepted: AtomicUsize::new(0),
            stalled: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = shared.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if shared.stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(client) = stream else { continue };
                    shared.accepted.fetch_add(1, Ordering::SeqCst);
                    let mode = *shared.mode.lock().unwrap();
                    handle(client, upstream, mode, &shared);
                }
            })
        };
        Self {
            url: format!("http://{addr}"),
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// The mode for connections accepted from now on.
    pub fn set_mode(&self, mode: ProxyMode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    /// Connections accepted so far, in any mode: proof that a fault was met.
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

fn handle(client: TcpStream, upstream: SocketAddr, mode: ProxyMode, shared: &Shared) {
    match mode {
        ProxyMode::Refuse => drop(client),
        ProxyMode::Stall => {
            // Drain what the client sends (so its writes never block), answer nothing.
            if let Ok(mut reader) = client.try_clone() {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut reader, &mut std::io::sink());
                });
            }
            shared.stalled.lock().unwrap().push(client);
        }
        ProxyMode::Pass | ProxyMode::CutResponseAfter(_) => {
            let Ok(server) = TcpStream::connect(upstream) else {
                return; // The server is down: the client sees its connection closed.
            };
            let limit = match mode {
                ProxyMode::CutResponseAfter(n) => Some(n),
                _ => None,
            };
            relay(client, server, limit);
        }
    }
}

/// Copies client → server and server → client (at most `limit` bytes, then both
/// connections are closed) on two threads.
fn relay(client: TcpStream, server: TcpStream, limit: Option<usize>) {
    let (Ok(mut client_in), Ok(mut server_out)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut server_out);
        let _ = server_out.shutdown(Shutdown::Write);
    });
    std::thread::spawn(move || {
        let (mut server_in, mut client_out) = (server, client);
        let mut left = limit.unwrap_or(usize::MAX);
        let mut buf = [0u8; 16 * 1024];
        while left > 0 {
            let n = match server_in.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n.min(left),
            };
            if client_out.write_all(&buf[..n]).is_err() {
                break;
            }
            left -= n;
        }
        // Closing both ends: the client sees the response end early, the server a reset.
        let _ = client_out.shutdown(Shutdown::Both);
        let _ = server_in.shutdown(Shutdown::Both);
    });
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so its thread sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        for stream in self.shared.stalled.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

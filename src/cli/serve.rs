//! `entente serve [DIR]`: serve the browser page (docs/web.md) over HTTP, for a classroom
//! without internet: the page computes everything itself, so the server only hands out a
//! handful of static files.

use std::borrow::Cow;
use std::io::ErrorKind;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use entente::engine::interrupt;

/// The files of a built page: `tools/build-web.sh` writes these (and a `.gz` copy of each).
const PAGE_FILES: [&str; 5] = [
    "index.html",
    "app.js",
    "worker.js",
    "style.css",
    "entente.wasm",
];

/// Where a built page is looked for when no DIR is given and none is compiled in.
const DEFAULT_DIR: &str = "web/dist";

/// Serve the browser page over HTTP.
#[derive(clap::Args)]
#[command(
    after_help = "The page runs the simulation in the browser (WebAssembly): the server only sends
its files, so any static web host serves it as well. Build it first:

  tools/build-web.sh            (writes web/dist/; needs only the Rust toolchain)
  entente serve                 (serves web/dist/ at http://127.0.0.1:8080/)

A binary built with `--features web` (after tools/build-web.sh) carries the page inside it
and serves it without DIR, from anywhere.

For a classroom network, listen on every interface and give students the address printed:
  entente serve --host 0.0.0.0 --port 8080

Links reproduce a view, e.g. http://HOST:8080/?scenario=latest&runs=2000&seed=7&set=eta=0.3&autorun=1
(docs/web.md lists the parameters)."
)]
pub struct Args {
    /// A folder built by tools/build-web.sh (default: the page compiled into the binary with
    /// `--features web`, else web/dist).
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to listen on: 127.0.0.1 for this computer only, 0.0.0.0 for a classroom
    /// network.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Open the page in the default browser.
    #[arg(long)]
    open: bool,
}

/// Where the page's files come from.
enum Site {
    /// A folder, read at each request (a rebuilt page is served at once).
    Dir(PathBuf),
    /// Compiled into the binary (`--features web`).
    #[cfg(feature = "web")]
    Embedded,
}

#[cfg(feature = "web")]
mod embedded {
    //! The page built by tools/build-web.sh, compiled in (build.rs checks it is there).
    macro_rules! files {
        ($($name:literal),*) => {
            &[$(
                ($name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/dist/", $name))
                    as &[u8]),
                (concat!($name, ".gz"),
                 include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/dist/", $name, ".gz"))
                    as &[u8]),
            )*]
        };
    }
    pub const FILES: &[(&str, &[u8])] = files!(
        "index.html",
        "app.js",
        "worker.js",
        "style.css",
        "entente.wasm"
    );
}

impl Site {
    fn choose(dir: Option<PathBuf>) -> anyhow::Result<Self> {
        let dir = match dir {
            Some(d) => d,
            #[cfg(feature = "web")]
            None => return Ok(Site::Embedded),
            #[cfg(not(feature = "web"))]
            None => PathBuf::from(DEFAULT_DIR),
        };
        if !dir.is_dir() {
            bail!(
                "{}: no such folder; build the page with tools/build-web.sh (it writes {DEFAULT_DIR}/), then `entente serve` or `entente serve DIR`",
                dir.display()
            );
        }
        let missing: Vec<&str> = PAGE_FILES
            .into_iter()
            .filter(|f| !dir.join(f).is_file())
            .collect();
        if !missing.is_empty() {
            bail!(
                "{}: not a built page: {} missing (expected the files tools/build-web.sh writes: {})",
                dir.display(),
                missing.join(", "),
                PAGE_FILES.join(", ")
            );
        }
        Ok(Site::Dir(dir))
    }

    fn shown(&self) -> String {
        match self {
            Site::Dir(d) => d.display().to_string(),
            #[cfg(feature = "web")]
            Site::Embedded => "the page compiled into entente".into(),
        }
    }

    /// The bytes of the file `name` (a bare file name), if the site has it.
    fn get(&self, name: &str) -> Option<Cow<'static, [u8]>> {
        match self {
            Site::Dir(d) => {
                let path = d.join(name);
                // Only regular files directly in the folder (no links out of it).
                let meta = std::fs::symlink_metadata(&path).ok()?;
                meta.is_file()
                    .then(|| std::fs::read(&path).ok().map(Cow::Owned))
                    .flatten()
            }
            #[cfg(feature = "web")]
            Site::Embedded => embedded::FILES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, b)| Cow::Borrowed(*b)),
        }
    }
}

/// The file a request's path names: `/` is `index.html`; anything with a folder, a hidden
/// name or an odd character is not a file of the page.
fn file_name(url: &str) -> Option<&str> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let name = path.strip_prefix('/')?;
    if name.is_empty() {
        return Some("index.html");
    }
    let ok = !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    ok.then_some(name)
}

/// The media type of a file by its extension (a module must be `application/wasm` for the
/// browser to compile it while it downloads).
fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}

/// The most bytes of a request's head (request line and headers) read.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Connections served at once; more are closed at once (a classroom needs a few per
/// student, for a few seconds each).
const MAX_CONNECTIONS: usize = 512;
/// How long a connection may take to send its request, and a response to be taken.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(120);

/// The response to a request whose head (request line and headers, without the blank line)
/// is `head`: the bytes to send. Every response closes its connection, so that no idle
/// connection holds anything (browsers open a new one per file: a handful per page).
fn respond(site: &Site, head: &str) -> Vec<u8> {
    let mut lines = head.lines();
    let request = lines.next().unwrap_or("");
    let mut words = request.split(' ');
    let (method, target, version) = (words.next(), words.next(), words.next());
    let (Some(method), Some(target), Some(version)) = (method, target, version) else {
        return reply(400, &[], b"bad request\n", false);
    };
    if words.next().is_some() || !version.starts_with("HTTP/1.") {
        return reply(400, &[], b"bad request\n", false);
    }
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        return reply(405, &[("Allow", "GET, HEAD")], b"", false);
    }
    let Some(name) = file_name(target) else {
        return reply(404, &[], b"not found\n", head_only);
    };
    let gzip_ok = lines.any(|l| {
        l.split_once(':').is_some_and(|(field, value)| {
            field.trim().eq_ignore_ascii_case("accept-encoding")
                && value.split(',').any(|x| x.trim().starts_with("gzip"))
        })
    });
    let zipped = (gzip_ok && !name.ends_with(".gz"))
        .then(|| site.get(&format!("{name}.gz")))
        .flatten();
    let (body, encoding) = match zipped {
        Some(b) => (b, Some("gzip")),
        None => match site.get(name) {
            Some(b) => (b, None),
            None => return reply(404, &[], b"not found\n", head_only),
        },
    };
    let mut headers = vec![
        ("Content-Type", content_type(name)),
        ("Cache-Control", "no-cache"),
        ("X-Content-Type-Options", "nosniff"),
        ("Vary", "Accept-Encoding"),
    ];
    if let Some(e) = encoding {
        headers.push(("Content-Encoding", e));
    }
    reply(200, &headers, &body, head_only)
}

/// An HTTP/1.1 response that closes its connection (`head_only`: the headers of `body`
/// without it, for `HEAD`).
fn reply(status: u16, headers: &[(&str, &str)], body: &[u8], head_only: bool) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    if !head_only {
        bytes.extend_from_slice(body);
    }
    bytes
}

/// Read one request's head from `stream` (up to the blank line; a body is never read: the
/// page's requests have none), answer it, and close.
fn serve_connection(site: &Site, mut stream: TcpStream) -> std::io::Result<()> {
    use std::io::{Read, Write};
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        if let Some(k) = find_blank_line(&head) {
            break Some(k);
        }
        if head.len() > MAX_HEAD_BYTES {
            break None;
        }
        match stream.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                let _ = stream.write_all(&reply(408, &[], b"", false));
                return Ok(());
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    };
    let response = match end {
        Some(k) => respond(site, &String::from_utf8_lossy(&head[..k])),
        None => reply(431, &[], b"request head too large\n", false),
    };
    stream.write_all(&response)?;
    stream.flush()?;
    let _ = stream.shutdown(Shutdown::Write);
    Ok(())
}

/// Where a request's head ends: the index of its blank line (`\r\n\r\n` or `\n\n`).
fn find_blank_line(b: &[u8]) -> Option<usize> {
    let crlf = b.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = b.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Open `url` in the default browser; a failure is only a warning.
fn open_browser(url: &str) {
    let tried = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).status()
    } else if cfg!(windows) {
        std::process::Command::new("cmd")
            .args(["/C", "start", "", url])
            .status()
    } else {
        std::process::Command::new("xdg-open").arg(url).status()
    };
    if !matches!(tried, Ok(s) if s.success()) {
        say!("entente serve: could not open a browser; open {url} yourself");
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let site = Arc::new(Site::choose(args.dir)?);
    let addr = format!("{}:{}", args.host, args.port);
    let listener = TcpListener::bind(&addr).map_err(|e| {
        anyhow::anyhow!(
            "--host {} --port {}: cannot listen there: {e}",
            args.host,
            args.port
        )
    })?;
    // Not blocking, so that the loop below sees Ctrl-C.
    listener
        .set_nonblocking(true)
        .context("the listening socket")?;
    let bound = listener.local_addr().context("the listening socket")?;
    let shown_host = if bound.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        bound.ip().to_string()
    };
    let url = format!("http://{shown_host}:{}/", bound.port());
    println!("Serving {} at {url}", site.shown());
    if bound.ip().is_unspecified() {
        println!(
            "Students on this network open http://<this computer's address>:{}/",
            bound.port()
        );
    }
    println!("Press Ctrl-C to stop.");
    use std::io::Write;
    std::io::stdout().flush().ok();
    if args.open {
        open_browser(&url);
    }
    // One thread per connection, each closed after one response: a browser that stops
    // reading (a laptop leaving the classroom's network mid-download) or keeps a connection
    // open holds up only its own thread, for at most the timeouts.
    let open = Arc::new(AtomicUsize::new(0));
    loop {
        if interrupt::requested().is_some() {
            // Stopping is how a server ends: not an error.
            return Ok(ExitCode::SUCCESS);
        }
        match listener.accept() {
            Ok((stream, _)) => {
                if open.load(Ordering::Acquire) >= MAX_CONNECTIONS {
                    drop(stream);
                    continue;
                }
                open.fetch_add(1, Ordering::AcqRel);
                let (site, open) = (Arc::clone(&site), Arc::clone(&open));
                std::thread::spawn(move || {
                    if let Err(e) = serve_connection(&site, stream) {
                        say!("entente serve: a response failed: {e}");
                    }
                    open.fetch_sub(1, Ordering::AcqRel);
                });
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                say!("entente serve: a connection failed: {e}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_file_names_are_served() {
        assert_eq!(file_name("/"), Some("index.html"));
        assert_eq!(file_name("/?scenario=latest&autorun=1"), Some("index.html"));
        assert_eq!(file_name("/app.js"), Some("app.js"));
        assert_eq!(file_name("/entente.wasm?x"), Some("entente.wasm"));
        for bad in [
            "/../Cargo.toml",
            "/..",
            "/.git",
            "/a/b.js",
            "/%2e%2e/x",
            "/a\\b",
            "relative",
            "//etc/passwd",
        ] {
            assert_eq!(file_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_module_is_served_as_wasm() {
        assert_eq!(content_type("entente.wasm"), "application/wasm");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("app.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("x"), "application/octet-stream");
    }

    #[test]
    fn a_folder_without_a_built_page_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "x").unwrap();
        let e = Site::choose(Some(dir.path().to_path_buf()))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("not a built page"), "{e}");
        assert!(e.contains("entente.wasm"), "{e}");
        let e = Site::choose(Some(dir.path().join("nowhere")))
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("no such folder") && e.contains("build-web.sh"),
            "{e}"
        );
    }

    /// A folder with the page's files, each holding its own name, and a gzip copy of app.js.
    fn site() -> (tempfile::TempDir, Site) {
        let dir = tempfile::tempdir().unwrap();
        for f in PAGE_FILES {
            std::fs::write(dir.path().join(f), f).unwrap();
        }
        std::fs::write(dir.path().join("app.js.gz"), "zipped").unwrap();
        let site = Site::choose(Some(dir.path().to_path_buf())).unwrap();
        (dir, site)
    }

    fn text(b: Vec<u8>) -> String {
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn a_file_is_sent_with_its_type_and_length_and_the_connection_closes() {
        let (_dir, site) = site();
        let r = text(respond(&site, "GET /app.js HTTP/1.1\r\nHost: x"));
        assert_eq!(
            r,
            "HTTP/1.1 200 OK\r\nContent-Type: text/javascript; charset=utf-8\r\n\
             Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n\
             Vary: Accept-Encoding\r\nContent-Length: 6\r\nConnection: close\r\n\r\napp.js"
        );
        let r = text(respond(&site, "GET /?scenario=latest&autorun=1 HTTP/1.0"));
        assert!(r.ends_with("\r\n\r\nindex.html"), "{r}");
        // HEAD: the same headers, no body.
        let r = text(respond(&site, "HEAD /app.js HTTP/1.1"));
        assert!(r.contains("Content-Length: 6\r\n"), "{r}");
        assert!(r.ends_with("Connection: close\r\n\r\n"), "{r}");
    }

    #[test]
    fn the_gzip_copy_goes_to_browsers_that_accept_it() {
        let (_dir, site) = site();
        for accept in [
            "Accept-Encoding: gzip, br",
            "accept-encoding: deflate,gzip;q=0.5",
        ] {
            let r = text(respond(&site, &format!("GET /app.js HTTP/1.1\r\n{accept}")));
            assert!(r.contains("Content-Encoding: gzip\r\n"), "{accept}: {r}");
            assert!(r.ends_with("\r\n\r\nzipped"), "{accept}: {r}");
        }
        let r = text(respond(
            &site,
            "GET /app.js HTTP/1.1\r\nAccept-Encoding: br",
        ));
        assert!(
            !r.contains("Content-Encoding") && r.ends_with("app.js"),
            "{r}"
        );
    }

    #[test]
    fn bad_requests_are_refused_with_their_status() {
        let (_dir, site) = site();
        let status = |head: &str| text(respond(&site, head))[..12].to_string();
        assert_eq!(status("POST /app.js HTTP/1.1"), "HTTP/1.1 405");
        assert!(text(respond(&site, "PUT / HTTP/1.1")).contains("Allow: GET, HEAD\r\n"));
        for bad in [
            "",
            "hello",
            "GET /",
            "GET / HTTP/2",
            "GET / HTTP/1.1 x",
            "GET  / HTTP/1.1",
        ] {
            assert_eq!(status(bad), "HTTP/1.1 400", "{bad:?}");
        }
        for missing in ["/../Cargo.toml", "/missing.js", "/a/app.js", "/.app.js"] {
            assert_eq!(
                status(&format!("GET {missing} HTTP/1.1")),
                "HTTP/1.1 404",
                "{missing}"
            );
        }
    }

    #[test]
    fn a_requests_head_ends_at_its_blank_line() {
        assert_eq!(
            find_blank_line(b"GET / HTTP/1.1\r\nA: b\r\n\r\nrest"),
            Some(20)
        );
        assert_eq!(find_blank_line(b"GET / HTTP/1.1\nA: b\n\nrest"), Some(19));
        assert_eq!(find_blank_line(b"GET / HTTP/1.1\r\nA: b\r\n"), None);
    }

    #[test]
    fn files_are_read_from_the_folder_only() {
        let dir = tempfile::tempdir().unwrap();
        for f in PAGE_FILES {
            std::fs::write(dir.path().join(f), f).unwrap();
        }
        let site = Site::choose(Some(dir.path().to_path_buf())).unwrap();
        assert_eq!(site.get("app.js").as_deref(), Some(&b"app.js"[..]));
        assert!(site.get("missing.js").is_none());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/hostname", dir.path().join("link.txt")).unwrap();
            assert!(site.get("link.txt").is_none(), "a link is not followed");
        }
    }
}

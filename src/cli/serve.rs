//! `entente serve [DIR]`: serve the browser page (docs/web.md) over HTTP, for a classroom
//! without internet: the page computes everything itself, so the server only hands out a
//! handful of static files.

use std::borrow::Cow;
use std::path::PathBuf;
use std::process::ExitCode;
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

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("ASCII header names and values")
}

/// Answer one request.
fn answer(site: &Site, rq: tiny_http::Request) -> std::io::Result<()> {
    use tiny_http::{Method, Response};
    let head = *rq.method() == Method::Head;
    if *rq.method() != Method::Get && !head {
        return rq.respond(Response::empty(405).with_header(header("Allow", "GET, HEAD")));
    }
    let Some(name) = file_name(rq.url()) else {
        return rq.respond(Response::from_string("not found\n").with_status_code(404));
    };
    let gzip_ok = rq.headers().iter().any(|h| {
        h.field.equiv("Accept-Encoding")
            && h.value
                .as_str()
                .split(',')
                .any(|x| x.trim().starts_with("gzip"))
    });
    let zipped = (gzip_ok && !name.ends_with(".gz"))
        .then(|| site.get(&format!("{name}.gz")))
        .flatten();
    let (body, encoding) = match zipped {
        Some(b) => (b, Some("gzip")),
        None => match site.get(name) {
            Some(b) => (b, None),
            None => {
                return rq.respond(Response::from_string("not found\n").with_status_code(404));
            }
        },
    };
    let data = if head { Vec::new() } else { body.into_owned() };
    let mut response = Response::from_data(data)
        .with_header(header("Content-Type", content_type(name)))
        .with_header(header("Cache-Control", "no-cache"))
        .with_header(header("X-Content-Type-Options", "nosniff"))
        .with_header(header("Vary", "Accept-Encoding"));
    if let Some(e) = encoding {
        response = response.with_header(header("Content-Encoding", e));
    }
    rq.respond(response)
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
    let site = Site::choose(args.dir)?;
    let addr = format!("{}:{}", args.host, args.port);
    let server = tiny_http::Server::http(&addr).map_err(|e| {
        anyhow::anyhow!(
            "--host {} --port {}: cannot listen there: {e}",
            args.host,
            args.port
        )
    })?;
    let bound = server
        .server_addr()
        .to_ip()
        .context("the server has no IP address")?;
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
    loop {
        if interrupt::requested().is_some() {
            // Stopping is how a server ends: not an error.
            return Ok(ExitCode::SUCCESS);
        }
        match server.recv_timeout(Duration::from_millis(200)) {
            Ok(Some(rq)) => {
                if let Err(e) = answer(&site, rq) {
                    say!("entente serve: a response failed: {e}");
                }
            }
            Ok(None) => {}
            Err(e) => say!("entente serve: a request failed: {e}"),
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

//! With the `web` feature, `entente serve` serves the browser page compiled into the binary:
//! say plainly what to do when the page has not been built. Without it, nothing to do.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_WEB").is_none() {
        return;
    }
    let dist = std::path::Path::new("web/dist");
    println!("cargo:rerun-if-changed=web/dist");
    for f in [
        "index.html",
        "app.js",
        "worker.js",
        "style.css",
        "entente.wasm",
    ] {
        for name in [f.to_string(), format!("{f}.gz")] {
            if !dist.join(&name).is_file() {
                panic!(
                    "the `web` feature compiles the browser page into entente, but web/dist/{name} is missing: build the page first with tools/build-web.sh"
                );
            }
        }
    }
}

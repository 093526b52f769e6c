//! HAProxy for the load-balancer test (`tests/tests/cluster_haproxy.rs`,
//! which runs the README's HAProxy example in front of two cluster nodes).
//!
//! [`install`] takes Debian's own package (bookworm ships 2.6.12, the version
//! the README's example was written for) and the three libraries it links
//! that a minimal machine lacks, and extracts them into `target/haproxy`
//! with `dpkg-deb -x`: nothing is installed system-wide and no service
//! starts (the package's install script would start one). A small wrapper
//! script, `target/haproxy/haproxy`, runs the binary with those libraries;
//! `cargo xtask test` hands its path to the Rust tests as `CASEBOOK_HAPROXY`
//! (the test fails without it, it never skips).

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian's packages: HAProxy and what it links beyond a minimal system.
const PACKAGES: [&str; 4] = [
    "haproxy",
    "liblua5.3-0",
    "libopentracing-c-wrapper0",
    "libopentracing1",
];

/// Extracts (once) and returns the wrapper that runs HAProxy.
pub fn install(root: &Path) -> Result<PathBuf> {
    let dir = root.join("target/haproxy");
    let wrapper = dir.join("haproxy");
    if wrapper.exists() && runs(&wrapper) {
        return Ok(wrapper);
    }
    println!("xtask: extracting Debian's haproxy into {}", dir.display());
    let debs = dir.join("debs");
    let tree = dir.join("root");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&debs).context("creating target/haproxy")?;
    if !download(&debs)? {
        // A fresh machine may have no package lists yet.
        let mut update = Command::new("apt-get");
        update
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive");
        let updated = update.status().is_ok_and(|s| s.success());
        if !updated || !download(&debs)? {
            bail!(
                "could not download {} with apt-get (the HAProxy test needs them; \
                 `apt-get update` as root first)",
                PACKAGES.join(", ")
            );
        }
    }
    for deb in std::fs::read_dir(&debs)? {
        let deb = deb?.path();
        let status = Command::new("dpkg-deb")
            .arg("-x")
            .arg(&deb)
            .arg(&tree)
            .status()
            .context("running dpkg-deb")?;
        if !status.success() {
            bail!("dpkg-deb -x {} failed ({status})", deb.display());
        }
    }
    let bin = tree.join("usr/sbin/haproxy");
    let libs = std::fs::read_dir(tree.join("usr/lib"))
        .context("the packages have no usr/lib")?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| path.join("liblua5.3.so.0").exists())
        .context("liblua5.3.so.0 is not in the extracted packages")?;
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n# Written by cargo xtask (crates/xtask/src/haproxy.rs).\n\
             LD_LIBRARY_PATH='{}' exec '{}' \"$@\"\n",
            libs.display(),
            bin.display()
        ),
    )?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))?;
    if !runs(&wrapper) {
        bail!("{} -v does not run", wrapper.display());
    }
    Ok(wrapper)
}

/// `apt-get download` of [`PACKAGES`] into `debs`; false when apt-get fails.
fn download(debs: &Path) -> Result<bool> {
    let status = Command::new("apt-get")
        .arg("download")
        .args(PACKAGES)
        .current_dir(debs)
        .status()
        .context("running apt-get download (the HAProxy test needs Debian's package)")?;
    Ok(status.success())
}

fn runs(wrapper: &Path) -> bool {
    Command::new(wrapper)
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success())
}

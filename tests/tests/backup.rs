//! Backups and the data directory: `casebook backup` takes a consistent copy
//! while clients edit, `casebook restore` brings it back into a new data
//! directory that a server runs on with the same links; the server refuses a
//! data directory it cannot read, and says why, without touching it.

use casebook_e2e::{
    gap_free_chunks, printed, report, run_casebook, server_text, Client, Process, Server, Typing,
};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_backup_taken_while_clients_edit_restores_to_a_consistent_working_copy() {
    let server = Process::start_with(&["--snapshot-every", "20"])
        .await
        .unwrap();
    let busy = server.create_postmortem("編集中 busy").await.unwrap();
    let quiet = server.create_postmortem("静か quiet").await.unwrap();
    let (status, answer) = server
        .call(
            reqwest::Method::POST,
            &format!("/api/postmortems/{}/commands", busy.id),
            busy.token("facilitator"),
            Some(json!({"command_id": "1", "type": "move_phase", "to": "silent_reading"})),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let still = Client::connect(&server.ws_url(&quiet.id, quiet.token("author")))
        .await
        .unwrap();
    still.push("変わらない本文 😀");
    let watcher = Client::connect(&server.ws_url(&busy.id, busy.token("viewer")))
        .await
        .unwrap();

    // A writer appends numbered chunks all through the backup.
    let writer = Client::connect(&server.ws_url(&busy.id, busy.token("author")))
        .await
        .unwrap();
    let typing = Typing::start(writer, Duration::from_millis(3));
    watcher
        .wait_until(WAIT, |c| c.text().len() > 200)
        .await
        .unwrap();
    let seen_before = gap_free_chunks(&watcher.text());

    let temp = tempfile::tempdir().unwrap();
    let backup_dir = temp.path().join("backup");
    let output = tokio::task::spawn_blocking({
        let (dir, url) = (backup_dir.clone(), server.url(""));
        move || {
            run_casebook(&[
                "backup".as_ref(),
                dir.as_os_str(),
                "--server".as_ref(),
                url.as_ref(),
            ])
        }
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", printed(&output));
    assert!(
        printed(&output).contains("backup written"),
        "{}",
        printed(&output)
    );
    let writer = typing.stop().await;
    let final_text = writer.text();
    watcher.wait_text(&final_text, WAIT).await.unwrap();

    let data_dir = temp.path().join("restored");
    let output = run_casebook(&[
        "restore".as_ref(),
        backup_dir.as_os_str(),
        data_dir.as_os_str(),
    ]);
    assert!(output.status.success(), "{}", printed(&output));
    // Restoring never overwrites data, and refuses what is not a backup.
    let again = run_casebook(&[
        "restore".as_ref(),
        backup_dir.as_os_str(),
        data_dir.as_os_str(),
    ]);
    assert!(!again.status.success());
    assert!(
        printed(&again).contains("already holds data"),
        "{}",
        printed(&again)
    );
    let stranger = temp.path().join("stranger");
    std::fs::create_dir(&stranger).unwrap();
    std::fs::write(stranger.join("notes.txt"), "not a backup").unwrap();
    let wrong = run_casebook(&[
        "restore".as_ref(),
        stranger.as_os_str(),
        temp.path().join("elsewhere").as_os_str(),
    ]);
    assert!(!wrong.status.success());
    assert!(
        printed(&wrong).contains("not a readable Casebook data directory"),
        "{}",
        printed(&wrong)
    );
    assert_eq!(
        std::fs::read_to_string(stranger.join("notes.txt")).unwrap(),
        "not a backup"
    );

    // The restored copy runs, with the same links, and is one moment of the
    // original: a gap-free run of chunks, at least all a reader had seen.
    let restored = Process::start_in(&data_dir, &[]).await.unwrap();
    let text_then = server_text(&restored, &busy).await.unwrap();
    let restored_chunks = gap_free_chunks(&text_then);
    assert!(final_text.starts_with(&text_then));
    assert!(
        restored_chunks >= seen_before,
        "the backup lacks chunks a reader saw before it started: {restored_chunks} < {seen_before}"
    );
    assert_eq!(
        server_text(&restored, &quiet).await.unwrap(),
        "変わらない本文 😀"
    );
    let (status, meeting) = restored
        .call(
            reqwest::Method::GET,
            &format!("/api/postmortems/{}/meeting", busy.id),
            busy.token("participant"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{meeting}");
    assert_eq!(meeting["state"]["phase"], "silent_reading");
    // Both servers go on independently.
    let restored_writer = Client::connect(&restored.ws_url(&busy.id, busy.token("author")))
        .await
        .unwrap();
    restored_writer.push("復元後");
    let reader = Client::connect(&restored.ws_url(&busy.id, busy.token("viewer")))
        .await
        .unwrap();
    reader
        .wait_text(&format!("{text_then}復元後"), WAIT)
        .await
        .unwrap();
    report(&format!(
        "backup test: {restored_chunks} of {} chunks in the backup (a reader had seen {seen_before} when it started)",
        gap_free_chunks(&final_text)
    ));
}

fn refuses(data_dir: &Path) -> String {
    let output = run_casebook(&[
        "serve".as_ref(),
        "--bind".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--data-dir".as_ref(),
        data_dir.as_os_str(),
    ]);
    assert!(!output.status.success(), "it started: {}", printed(&output));
    let said = printed(&output);
    assert!(said.contains("cannot open the data directory"), "{said}");
    said
}

#[tokio::test]
async fn the_server_refuses_a_data_directory_it_cannot_read_and_says_why() {
    let temp = tempfile::tempdir().unwrap();
    // A file where the directory should be.
    let file = temp.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    assert!(refuses(&file).contains("Not a directory"));
    // A damaged sled configuration: sled alone would start afresh over it.
    let damaged = temp.path().join("damaged");
    std::fs::create_dir(&damaged).unwrap();
    std::fs::write(damaged.join("conf"), "garbage").unwrap();
    std::fs::write(damaged.join("db"), "garbage").unwrap();
    assert!(refuses(&damaged).contains("`conf` is damaged"));
    assert_eq!(std::fs::read(damaged.join("db")).unwrap(), b"garbage");
    // Somebody else's files.
    let foreign = temp.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("photo.jpg"), "jpeg").unwrap();
    assert!(refuses(&foreign).contains("`conf`"));
    // A directory another casebook is using.
    let server = Server::start().await.unwrap();
    let busy = refuses(&server.data_dir);
    assert!(busy.to_lowercase().contains("lock"), "{busy}");
    // Which keeps working.
    let (status, _) = server
        .call(reqwest::Method::GET, "/healthz", "", None)
        .await;
    assert_eq!(status, 200);
}

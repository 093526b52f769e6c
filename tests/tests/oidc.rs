//! Sign-in through a real OpenID Provider: the npm package `oidc-provider`,
//! started from `tests/js/oidc-provider.mjs` on loopback, with two people
//! (`alice` in the admin group, `bob` not). A "browser" here is a reqwest
//! client with a cookie jar that follows redirects and submits the
//! provider's own login form; it stops at Casebook's callback so a test can
//! look at (or spoil) the provider's answer.

use casebook_e2e::{Created, Endpoint, Process, Server};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The provider process; killed when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Provider {
    fn start(env: &[(&str, &str)]) -> Provider {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js");
        let mut child = Command::new("node")
            .arg("oidc-provider.mjs")
            .current_dir(dir)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs tests/js/oidc-provider.mjs (npm install in tests/js)");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        // Read on for as long as it runs: a closed pipe would end it.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(issuer) = line.strip_prefix("ISSUER ") {
                    let _ = tx.send(issuer.to_owned());
                }
            }
        });
        let issuer = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the provider prints its issuer");
        Provider { child, issuer }
    }

    /// Makes the provider's next token answer carry a spoiled ID token.
    async fn spoil_next_id_token(&self, how: &str) {
        let answer = reqwest::get(format!("{}/test/tamper?{how}", self.issuer))
            .await
            .expect("the provider answers");
        assert_eq!(answer.status(), 204);
    }

    /// A Casebook server that signs people in here.
    async fn casebook(&self, extra: &[&str]) -> Server {
        static SECRET: std::sync::Once = std::sync::Once::new();
        // The secret comes only from the environment, as in production; every
        // test sets the same value.
        SECRET.call_once(|| std::env::set_var("CASEBOOK_OIDC_CLIENT_SECRET", "casebook-secret"));
        let mut flags = vec![
            "--oidc-issuer",
            &self.issuer,
            "--oidc-client-id",
            "casebook",
            "--oidc-admin-group",
            "casebook-admins",
        ];
        flags.extend(extra);
        Server::start_with(&flags).await.expect("casebook starts")
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser: a cookie jar, redirects followed except into Casebook's
/// callback.
fn browser() -> reqwest::Client {
    browser_with(std::sync::Arc::new(reqwest::cookie::Jar::default()))
}

/// A browser on the cookie jar `jar`.
fn browser_with(jar: std::sync::Arc<reqwest::cookie::Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.url().path() == "/auth/callback" || attempt.previous().len() > 10 {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }))
        .timeout(Duration::from_secs(20))
        .build()
        .expect("a client")
}

/// Opens `path` on `server` in `browser`, signs in as `user` on the
/// provider's login form (unless the provider remembers them), and returns
/// the provider's answer: the callback address it sends the browser to (not
/// yet opened).
async fn sign_in_until_callback(
    browser: &reqwest::Client,
    server: &Endpoint,
    path: &str,
    user: &str,
) -> String {
    let form = browser.get(server.url(path)).send().await.unwrap();
    if form.status().is_redirection() {
        // Signed in at the provider already: straight back.
        return form.headers()["location"].to_str().unwrap().to_owned();
    }
    let at = form.url().clone();
    let html = form.text().await.unwrap();
    let action = html
        .split("action=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("the provider shows its login form at {at}: {html}"));
    let answer = browser
        .post(at.join(action).unwrap())
        .form(&[("prompt", "login"), ("login", user), ("password", "any")])
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_redirection(), "{}", answer.status());
    let callback = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        callback.starts_with(&server.url("/auth/callback?")),
        "{callback}"
    );
    callback
}

/// Signs `user` in from `path` and comes back: the answer at the end.
async fn sign_in(
    browser: &reqwest::Client,
    server: &Endpoint,
    path: &str,
    user: &str,
) -> reqwest::Response {
    let callback = sign_in_until_callback(browser, server, path, user).await;
    browser.get(callback).send().await.unwrap()
}

async fn me(browser: &reqwest::Client, server: &Endpoint) -> (u16, serde_json::Value) {
    let answer = browser.get(server.url("/auth/me")).send().await.unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or_default())
}

/// `POST …/join` from `browser` with a role link's token; the name typed is
/// what someone might try instead of their own.
async fn join(
    browser: &reqwest::Client,
    server: &Endpoint,
    pm: &Created,
    token: &str,
) -> (u16, serde_json::Value) {
    let answer = browser
        .post(server.url(&format!("/api/postmortems/{}/join", pm.id)))
        .bearer_auth(token)
        .json(&json!({ "name": "SRE 加藤" }))
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or_default())
}

fn page(pm: &Created, role: &str) -> String {
    format!("/p/{}?token={}", pm.id, pm.token(role))
}

#[tokio::test]
async fn opening_a_link_signs_in_and_the_name_comes_from_the_provider() {
    let provider = Provider::start(&[]);
    let server = provider.casebook(&[]).await;
    let pm = server.create_postmortem("DB failover").await.unwrap();
    let alice = browser();
    let opened = alice
        .get(server.url(&page(&pm, "participant")))
        .send()
        .await
        .unwrap();
    assert!(
        opened.url().as_str().starts_with(&provider.issuer),
        "the page sends the browser to the provider: {}",
        opened.url()
    );
    let back = sign_in(&alice, &server, &page(&pm, "participant"), "alice").await;
    assert_eq!(back.url().as_str(), server.url(&page(&pm, "participant")));
    let (status, signed) = me(&alice, &server).await;
    assert_eq!(status, 200, "{signed}");
    assert_eq!(signed["name"], "Alice Tanaka");
    assert_eq!(signed["admin"], true);
    assert!(
        !signed.to_string().contains("alice"),
        "no subject: {signed}"
    );

    // The link decides the role; the provider decides the name.
    let (status, joined) = join(&alice, &server, &pm, pm.token("participant")).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["person"]["name"], "Alice Tanaka");
    assert_eq!(joined["role"], "participant");
    let alice_in_room = server.person(&pm.id, joined["token"].as_str().unwrap());
    let (status, _) = alice_in_room.get("/meeting").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn one_subject_is_one_person_in_every_browser_and_answers_the_survey_once() {
    let provider = Provider::start(&[]);
    let server = provider.casebook(&[]).await;
    let pm = server.create_postmortem("DB failover").await.unwrap();
    let (laptop, phone) = (browser(), browser());
    sign_in(&laptop, &server, &page(&pm, "participant"), "bob").await;
    sign_in(&phone, &server, &page(&pm, "participant"), "bob").await;
    let (_, first) = join(&laptop, &server, &pm, pm.token("participant")).await;
    let (_, second) = join(&phone, &server, &pm, pm.token("participant")).await;
    assert_eq!(first["person"]["id"], second["person"]["id"]);
    assert_eq!(second["person"]["name"], "Bob 佐藤");
    assert!(!first["person"]["id"].to_string().contains("bob"));

    let sre = server.person(&pm.id, pm.token("facilitator"));
    let on_laptop = server.person(&pm.id, first["token"].as_str().unwrap());
    let on_phone = server.person(&pm.id, second["token"].as_str().unwrap());
    for phase in [
        "silent_reading",
        "q_and_a",
        "proposals",
        "kudos",
        "revision",
    ] {
        sre.ok(json!({"type": "move_phase", "to": phase})).await;
        if phase == "kudos" {
            on_phone
                .ok(json!({"type": "post_kudos", "to": "佐藤さん", "text": "深夜の切り戻し"}))
                .await;
        }
    }
    let (_, meeting) = sre.get("/meeting").await;
    assert!(
        meeting.to_string().contains("Bob 佐藤"),
        "kudos by the provider's name: {meeting}"
    );
    let ratings = json!({"type": "answer_survey", "ratings": {"questions_easy": 5, "time_enough": 3, "document_clear": 4}});
    on_laptop.ok(ratings.clone()).await;
    let (status, refused) = on_phone.command(ratings).await;
    assert_eq!(status, 409, "one answer per person: {refused}");
    let (_, meeting) = sre.get("/meeting").await;
    assert!(!meeting.to_string().contains("bob"), "{meeting}");
}

#[tokio::test]
async fn spoiled_id_tokens_are_refused() {
    let provider = Provider::start(&[]);
    let server = provider.casebook(&[]).await;
    let pm = server.create_postmortem("DB failover").await.unwrap();
    for how in [
        "rogue=1",
        "expired=1",
        "aud=someone-else",
        "iss=http%3A%2F%2F127.0.0.1%3A1",
        "nonce=not-this-browsers",
    ] {
        let someone = browser();
        provider.spoil_next_id_token(how).await;
        let back = sign_in(&someone, &server, &page(&pm, "participant"), "bob").await;
        assert_eq!(back.status(), 401, "{how}");
        assert_eq!(me(&someone, &server).await.0, 204, "{how}: not signed in");
    }
    // The same flow with an unspoiled token signs in.
    let someone = browser();
    let back = sign_in(&someone, &server, &page(&pm, "participant"), "bob").await;
    assert_eq!(back.url().as_str(), server.url(&page(&pm, "participant")));
    assert_eq!(me(&someone, &server).await.0, 200);
}

#[tokio::test]
async fn an_answer_for_another_sign_in_is_refused() {
    let provider = Provider::start(&[]);
    let server = provider.casebook(&[]).await;
    let pm = server.create_postmortem("DB failover").await.unwrap();
    let someone = browser();
    let callback = sign_in_until_callback(&someone, &server, &page(&pm, "viewer"), "bob").await;
    let (before, after) = callback.split_once("state=").unwrap();
    let rest = after.split_once('&').map_or("", |(_, rest)| rest);
    let wrong_state = format!("{before}state=forged&{rest}");
    let answer = someone.get(wrong_state).send().await.unwrap();
    assert_eq!(answer.status(), 401);
    // A browser that never started a sign-in has no flow to finish.
    let stranger = browser().get(callback).send().await.unwrap();
    assert_eq!(stranger.status(), 401);
    assert_eq!(me(&someone, &server).await.0, 204);
}

#[tokio::test]
async fn with_sign_in_required_a_link_alone_admits_no_one() {
    let provider = Provider::start(&[]);
    let server = provider.casebook(&["--oidc-required"]).await;
    let pm = server.create_postmortem("DB failover").await.unwrap();
    let token = pm.token("participant");
    let (status, _) = server
        .get(&format!("/api/postmortems/{}", pm.id), token)
        .await;
    assert_eq!(status, 401, "a link without sign-in");
    let (status, _) = server.get("/api/library", token).await;
    assert_eq!(status, 401, "the library with a link without sign-in");
    let (status, _) = server
        .post(
            &format!("/api/postmortems/{}/join", pm.id),
            token,
            json!({"name": "SRE 加藤"}),
        )
        .await;
    assert_eq!(status, 401, "joining without sign-in");

    let bob = browser();
    sign_in(&bob, &server, &page(&pm, "participant"), "bob").await;
    let (status, joined) = join(&bob, &server, &pm, token).await;
    assert_eq!(status, 200, "{joined}");
    // The personal token made while signed in carries the subject.
    let person = server.person(&pm.id, joined["token"].as_str().unwrap());
    let (status, _) = person.get("/meeting").await;
    assert_eq!(status, 200);
}

/// `POST …/join` from `browser` with a role link's token and a team typed.
async fn join_in_team(
    browser: &reqwest::Client,
    server: &Endpoint,
    pm: &Created,
    team: &str,
) -> (u16, serde_json::Value) {
    let answer = browser
        .post(server.url(&format!("/api/postmortems/{}/join", pm.id)))
        .bearer_auth(pm.token("participant"))
        .json(&json!({ "name": "SRE 加藤", "team": team }))
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or_default())
}

#[tokio::test]
async fn the_team_claim_names_the_team_and_without_it_the_team_typed_is_kept() {
    let provider = Provider::start(&[]);
    let server = provider
        .casebook(&["--oidc-team-claim", "department"])
        .await;
    let pm = server.create_postmortem("DB failover").await.unwrap();
    let (alice, bob) = (browser(), browser());
    sign_in(&alice, &server, &page(&pm, "participant"), "alice").await;
    sign_in(&bob, &server, &page(&pm, "participant"), "bob").await;
    // Alice's provider says her team: the page does not ask, and what a
    // request types instead is not taken.
    let (_, signed) = me(&alice, &server).await;
    assert_eq!(signed["team"], "SRE Platform", "{signed}");
    let (status, joined) = join_in_team(&alice, &server, &pm, "Marketing").await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["person"]["name"], "Alice Tanaka");
    assert_eq!(joined["person"]["team"], "SRE Platform");
    // Bob's has no such claim: the team he types is his.
    let (_, signed) = me(&bob, &server).await;
    assert_eq!(signed.get("team"), None, "{signed}");
    let (status, joined) = join_in_team(&bob, &server, &pm, "決済チーム").await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["person"]["name"], "Bob 佐藤");
    assert_eq!(joined["person"]["team"], "決済チーム");

    // Without the flag, the claim is not read.
    let plain = provider.casebook(&[]).await;
    let carol = browser();
    sign_in(&carol, &plain, "/p/none?token=x", "alice").await;
    let (_, signed) = me(&carol, &plain).await;
    assert_eq!(signed.get("team"), None, "{signed}");
}

#[tokio::test]
async fn the_admin_group_opens_the_admin_api_and_its_absence_does_not() {
    let provider = Provider::start(&[]);
    let server = provider.casebook(&[]).await;
    server.create_postmortem("DB failover").await.unwrap();
    let (alice, bob) = (browser(), browser());
    sign_in(&alice, &server, "/p/none?token=x", "alice").await;
    sign_in(&bob, &server, "/p/none?token=x", "bob").await;
    let list = |b: &reqwest::Client| b.get(server.url("/api/postmortems")).send();
    assert_eq!(list(&alice).await.unwrap().status(), 200);
    assert_eq!(list(&bob).await.unwrap().status(), 401);
    let signed_out = alice.post(server.url("/auth/logout")).send().await.unwrap();
    assert_eq!(signed_out.status(), 204);
    assert_eq!(list(&alice).await.unwrap().status(), 401, "signed out");
    assert_eq!(me(&alice, &server).await.0, 204);
}

#[tokio::test]
async fn sign_in_cookies_are_http_only_and_same_site_lax() {
    let provider = Provider::start(&[]);
    let server = provider.casebook(&[]).await;
    let started = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(server.url("/auth/login?return=/p/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 302);
    let cookie = started.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "served over http here: {cookie}"
    );
    let location = started.headers()["location"].to_str().unwrap();
    assert!(location.contains("code_challenge="), "PKCE: {location}");
    assert!(location.contains("nonce="), "{location}");
    assert!(!location.contains("casebook-secret"), "{location}");

    // The session cookie the callback sets.
    let pm = server.create_postmortem("cookies").await.unwrap();
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let callback = sign_in_until_callback(
        &browser_with(jar.clone()),
        &server,
        &page(&pm, "viewer"),
        "bob",
    )
    .await;
    let back = reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(callback)
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 302);
    let set: Vec<&str> = back
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    let session = set
        .iter()
        .find(|c| c.starts_with("casebook_session="))
        .expect("the session cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/;", "Max-Age="] {
        assert!(session.contains(flag), "{flag}: {session}");
    }
    assert!(
        set.iter()
            .any(|c| c.starts_with("casebook_signin=;") && c.contains("Max-Age=0")),
        "the finished sign-in's cookie is cleared: {set:?}"
    );
}

#[tokio::test]
async fn sign_in_cookies_are_secure_when_served_over_https() {
    let provider = Provider::start(&[]);
    let server = provider
        .casebook(&["--public-url", "https://casebook.example.com"])
        .await;
    let started = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(server.url("/auth/login?return=/"))
        .send()
        .await
        .unwrap();
    let cookie = started.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    let location = started.headers()["location"].to_str().unwrap();
    assert!(
        location.contains("redirect_uri=https%3A%2F%2Fcasebook.example.com%2Fauth%2Fcallback"),
        "{location}"
    );
}

#[tokio::test]
async fn without_the_flags_nothing_changes() {
    let server = Server::start().await.unwrap();
    let pm = server.create_postmortem("DB failover").await.unwrap();
    let answer = browser()
        .get(server.url("/auth/login?return=/"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    // The page is served (503 here: no bundle), not sent to sign in.
    let page = browser()
        .get(server.url(&page(&pm, "participant")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 503);
    server.join(&pm, "participant", "SRE 加藤").await;
}

#[tokio::test]
async fn the_log_holds_no_client_secret_no_id_token_and_no_session() {
    let provider = Provider::start(&[]);
    let server = Process::start_with_env(
        &[
            "--oidc-issuer",
            &provider.issuer,
            "--oidc-client-id",
            "casebook",
        ],
        &[
            ("CASEBOOK_OIDC_CLIENT_SECRET", Some("casebook-secret")),
            ("CASEBOOK_LOG", Some("debug")),
        ],
    )
    .await
    .unwrap();
    let pm = server.create_postmortem("secret keeping").await.unwrap();
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let bob = browser_with(std::sync::Arc::clone(&jar));
    provider.spoil_next_id_token("rogue=1").await;
    let refused = sign_in(&bob, &server, &page(&pm, "viewer"), "bob").await;
    assert_eq!(refused.status(), 401);
    sign_in(&bob, &server, &page(&pm, "viewer"), "bob").await;
    assert_eq!(me(&bob, &server).await.0, 200);
    let cookies = reqwest::cookie::CookieStore::cookies(&*jar, &server.url("/").parse().unwrap())
        .expect("cookies for the server");
    let session = cookies
        .to_str()
        .unwrap()
        .split(';')
        .find_map(|c| c.trim().strip_prefix("casebook_session="))
        .expect("the session cookie")
        .to_owned();
    let log = server.log();
    assert!(log.contains("signed in"), "{log}");
    assert!(log.contains("sign-in refused"), "{log}");
    assert!(!log.contains("casebook-secret"), "the client secret: {log}");
    // A JWT's header starts `{"alg":`: no ID token, signed or spoiled.
    assert!(!log.contains("eyJhbGciOi"), "an ID token: {log}");
    assert!(!log.contains(&session), "the session: {log}");
}

#[tokio::test]
async fn a_session_ends_with_the_id_token_and_the_page_signs_in_again_to_come_back() {
    let provider = Provider::start(&[("ID_TOKEN_TTL", "3")]);
    let server = provider.casebook(&[]).await;
    let pm = server.create_postmortem("DB failover").await.unwrap();
    let bob = browser();
    sign_in(&bob, &server, &page(&pm, "participant"), "bob").await;
    let (status, joined) = join(&bob, &server, &pm, pm.token("participant")).await;
    assert_eq!(status, 200, "{joined}");
    let ends = joined["expires_at"].as_u64().unwrap();
    let (_, signed) = me(&bob, &server).await;
    assert_eq!(
        signed["expires_at"].as_u64(),
        Some(ends),
        "the token ends with the session"
    );
    let personal = server.person(&pm.id, joined["token"].as_str().unwrap());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while me(&bob, &server).await.0 == 200 {
        assert!(std::time::Instant::now() < deadline, "the session ends");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        personal.get("/meeting").await.0,
        401,
        "the personal token ended too"
    );
    // Opening the page again goes through the provider and back to it.
    let again = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(server.url(&page(&pm, "participant")))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 302);
    let login = again.headers()["location"].to_str().unwrap();
    let login = reqwest::Url::parse(&server.url(login)).unwrap();
    assert_eq!(login.path(), "/auth/login");
    let back = login.query_pairs().find(|(k, _)| k == "return").unwrap().1;
    assert_eq!(back, page(&pm, "participant"));
}

#[tokio::test]
async fn a_forged_session_cookie_is_refused_everywhere() {
    use base64::Engine;
    let provider = Provider::start(&[]);
    let server = provider.casebook(&["--oidc-required"]).await;
    let pm = server.create_postmortem("DB failover").await.unwrap();
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(br#"{"sub":"eve","name":"Eve","admin":true,"exp":99999999999}"#);
    let forged = format!("casebook_session={claims}.AAAA");
    let client = reqwest::Client::new();
    let me = client
        .get(server.url("/auth/me"))
        .header("cookie", &forged)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 204, "no one is signed in");
    for (path, token) in [
        ("/api/postmortems".to_owned(), ""),
        (
            format!("/api/postmortems/{}", pm.id),
            pm.token("participant"),
        ),
        (
            format!("/api/postmortems/{}/meeting", pm.id),
            pm.token("viewer"),
        ),
    ] {
        let mut request = client.get(server.url(&path)).header("cookie", &forged);
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), 401, "{path}");
    }
}

//! `yici serve --public-url`: QR codes, 亮证 links and callbacks point at the address people
//! reach, on whatever port the server listens.

mod common;
use common::*;

/// Sign 张三 in through the demo's register; returns (cookie, CSRF token).
fn sign_in_zhang_san(addr: &str) -> (String, String) {
    let body = serde_json::json!({"id_number": "11010519491231002X", "name": "张三"}).to_string();
    let a = request(
        addr,
        "POST",
        "/api/v1/session/applicant",
        &[("Content-Type", "application/json")],
        &body,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let cookie = a
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    (cookie, a.json()["csrf_token"].as_str().unwrap().to_string())
}

/// The QR code of 张三's first certificate's PDF and its 亮证 link.
fn qr_and_show_link(addr: &str) -> (Option<String>, String) {
    let (cookie, csrf) = sign_in_zhang_san(addr);
    let mine = request(addr, "GET", "/api/v1/me/certificates", &[("Cookie", &cookie)], "");
    assert_eq!(mine.status, 200, "{}", mine.body);
    let identifier = mine.json()[0]["identifier"].as_str().unwrap().to_string();
    let pdf = request(
        addr,
        "GET",
        &format!("/api/v1/me/certificates/{identifier}/pdf"),
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(pdf.status, 200);
    assert!(pdf.bytes.starts_with(b"%PDF"));
    let show = request(
        addr,
        "POST",
        &format!("/api/v1/me/certificates/{identifier}/show"),
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        "",
    );
    assert_eq!(show.status, 201, "{}", show.body);
    (pdf_qr(&pdf.bytes), show.json()["url"].as_str().unwrap().to_string())
}

#[test]
fn qr_codes_point_at_the_address_people_reach() {
    let data = temp("public-url");
    // Without --public-url: the address the server listens on (here a port of its own).
    let (mut server, addr) = start_server(&["--demo", "--data", s(&data)]);
    let (qr, show) = qr_and_show_link(&addr);
    assert!(show.starts_with(&format!("http://{addr}/shows/")), "{show} on {addr}");
    let path = show.trim_start_matches(&format!("http://{addr}"));
    assert_eq!(http(&addr, "GET", path, &[], ""), 200, "the 亮证 link is followed");
    if let Some(qr) = qr {
        assert!(qr.starts_with(&format!("http://{addr}/verify?id=")), "{qr} on {addr}");
        // Scanned and followed: the verification page confirms the certificate.
        let path = qr.trim_start_matches(&format!("http://{addr}"));
        let page = request(&addr, "GET", path, &[], "");
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body.contains("电子签章有效") || page.body.contains("有效"),
            "{}",
            page.body
        );
    }
    let _ = server.kill();
    let _ = server.wait();

    // With --public-url (its trailing slash dropped): that address, wherever the server listens;
    // and the deployment's own privacy notice (the other notices keep the platform's text).
    let notices = data.join("notices");
    std::fs::create_dir_all(&notices).unwrap();
    std::fs::write(notices.join("privacy.txt"), "本站隐私声明第一段。\n\n第二段。").unwrap();
    let (mut server, addr) = start_server(&[
        "--demo",
        "--data",
        s(&data),
        "--public-url",
        "https://yici.example.gov.cn/",
        "--site-sponsor",
        "浙江省大数据发展管理局",
        "--site-code",
        "3300000001",
        "--site-notices",
        s(&notices),
    ]);
    // The footer says who runs the site; the demo says it is one.
    let home = request(&addr, "GET", "/", &[("Accept", "text/html")], "");
    assert!(home.body.contains("浙江省大数据发展管理局") && home.body.contains("3300000001"));
    assert!(home.body.contains("demo-banner"));
    let privacy = request(&addr, "GET", "/privacy", &[("Accept", "text/html")], "");
    assert!(privacy.body.contains("<p>本站隐私声明第一段。</p>") && privacy.body.contains("<p>第二段。</p>"));
    let terms = request(&addr, "GET", "/terms", &[("Accept", "text/html")], "");
    assert!(terms.body.contains("电子证照"), "the default terms stay");
    let (qr, show) = qr_and_show_link(&addr);
    assert!(show.starts_with("https://yici.example.gov.cn/shows/"), "{show}");
    if let Some(qr) = qr {
        assert!(qr.starts_with("https://yici.example.gov.cn/verify?id="), "{qr}");
    }
    let _ = server.kill();
    let _ = server.wait();

    // Not an address: refused before anything starts, saying why.
    for bad in [
        "ftp://yici.example.gov.cn",
        "yici.example.gov.cn",
        "https://",
        "https://a b",
    ] {
        let o = yici(&[
            "serve",
            "--data",
            s(&data),
            "--listen",
            "127.0.0.1:0",
            "--public-url",
            bad,
        ]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("--public-url"), "{bad}");
    }
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn exports_take_the_same_public_url_option() {
    for args in [
        &["catalog", "export", "--help"][..],
        &["cert", "export", "--help"][..],
        &["serve", "--help"][..],
    ] {
        let o = yici(args);
        assert!(o.status.success());
        assert!(String::from_utf8_lossy(&o.stdout).contains("--public-url"), "{args:?}");
    }
    let data = temp("catalog-public-url");
    let seeded = yici(&["catalog", "--data", s(&data), "seed-demo"]);
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    for flag in ["--public-url", "--base-url"] {
        let o = yici(&[
            "catalog",
            "--data",
            s(&data),
            "export",
            flag,
            "https://data.example.gov.cn/",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let ttl = String::from_utf8_lossy(&o.stdout);
        assert!(ttl.contains("https://data.example.gov.cn/"), "{flag}");
        assert!(!ttl.contains("gov.cn//"), "{flag}: the trailing slash is dropped");
    }
    let _ = std::fs::remove_dir_all(&data);
}

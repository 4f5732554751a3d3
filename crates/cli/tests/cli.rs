//! The `yici` command line, run as a user would run it.

use std::process::{Command, Output};

fn yici(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yici"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("yici runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp(label: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("yici-cli-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn id_check_explains_a_valid_citizen_id_and_exits_0() {
    let o = yici(&["id", "check", "11010519491231002X"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("公民身份号码"), "{out}");
    assert!(
        out.contains("1949-12-31") && out.contains("朝阳区") && out.contains("女"),
        "{out}"
    );
}

#[test]
fn id_check_names_each_kind() {
    for (value, kind) in [
        ("91350100M000100Y43", "统一社会信用代码"),
        ("D2143569-X", "组织机构代码"),
        ("330106008001", "行政区划代码"),
        (
            "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
            "电子证照标识",
        ),
    ] {
        let o = yici(&["id", "check", value]);
        assert_eq!(o.status.code(), Some(0), "{value}: {}", stderr(&o));
        assert!(stdout(&o).contains(kind), "{value}");
    }
    let o = yici(&["id", "check", "--en", "91350100M000100Y43"]);
    assert!(stdout(&o).contains("registration authority"));
}

#[test]
fn id_check_exits_1_with_the_reason() {
    let o = yici(&["id", "check", "110101199001011234"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("第18位") && stderr(&o).contains("应为“7”"),
        "{}",
        stderr(&o)
    );
    let o = yici(&["id", "check", "91350203M0001QAY9B"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a legacy pilot code is a warning but still fails"
    );
    assert!(stderr(&o).contains("警告"), "{}", stderr(&o));
}

#[test]
fn calendar_years_are_added_and_used() {
    let dir = temp("calendar");
    let data = dir.join("data");
    let data = data.to_str().unwrap();
    let o = yici(&[
        "calendar",
        "--data",
        data,
        "add-days",
        "--from",
        "2026-12-28",
        "--days",
        "10",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("2027年的节假日安排尚未录入"), "{}", stderr(&o));
    let file = dir.join("2027.json");
    std::fs::write(&file, r#"{"year": 2027, "source": "测试用安排", "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-01"}], "workdays": []}"#).unwrap();
    let o = yici(&["calendar", "--data", data, "add-year", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = yici(&[
        "calendar",
        "--data",
        data,
        "add-days",
        "--from",
        "2026-12-28",
        "--days",
        "5",
    ]);
    assert_eq!(stdout(&o).trim(), "2027-01-05");
    let o = yici(&[
        "calendar",
        "--data",
        data,
        "between",
        "--from",
        "2026-09-30",
        "--to",
        "2026-10-20",
    ]);
    assert_eq!(stdout(&o).trim(), "10");
    std::fs::write(
        &file,
        r#"{"year": 2027, "source": "x", "holidays": [], "workdays": ["2027-03-01"]}"#,
    )
    .unwrap();
    let o = yici(&["calendar", "--data", data, "add-year", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("不是周末"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn regions_and_users_are_administered_from_the_cli() {
    let dir = temp("admin");
    let data = dir.to_str().unwrap();
    assert_eq!(
        yici(&["region", "--data", data, "add", "330000", "浙江省"])
            .status
            .code(),
        Some(0)
    );
    let o = yici(&["region", "--data", data, "add", "330106", "西湖区"]);
    assert_eq!(o.status.code(), Some(2), "the parent city is missing");
    assert!(stderr(&o).contains("330100"), "{}", stderr(&o));
    let o = yici(&[
        "user",
        "--data",
        data,
        "add",
        "first.operator",
        "--name",
        "首任运营",
        "--role",
        "operator",
        "--region",
        "330000",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("password (shown once)"));
    let o = yici(&[
        "user",
        "--data",
        data,
        "add",
        "first.operator",
        "--name",
        "重复",
        "--role",
        "operator",
        "--region",
        "330000",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = yici(&["user", "--data", data, "list"]);
    assert!(stdout(&o).contains("first.operator") && stdout(&o).contains("operator"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["id", "check", "--help"],
        vec!["calendar", "--help"],
        vec!["user", "add", "--help"],
    ] {
        let o = yici(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(stdout(&o).contains("Usage"), "{args:?}");
    }
}

#[test]
fn certificates_are_listed_exported_and_verified_offline() {
    let dir = temp("cert");
    let data = dir.join("data");
    let d = data.to_str().unwrap();
    let o = yici(&[
        "cert",
        "--data",
        d,
        "bench",
        "--count",
        "20",
        "--single",
        "2",
        "--openssl-seconds",
        "0",
    ]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("issued (bulk"), "{}", stdout(&o));
    let list = yici(&["cert", "--data", d, "list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let ids: Vec<String> = stdout(&list).lines().map(str::to_string).collect();
    assert!(ids.len() >= 22, "{ids:?}");
    for id in &ids {
        yici_core::id::CertificateId::parse(id).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
    let out = dir.join("export");
    let o = yici(&["cert", "--data", d, "export", &ids[0], "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "content.bin",
        "signature.der",
        "signer.pem",
        "seal.der",
        "ca.pem",
        "certificate.json",
        "signature.ses",
        "certificate.pdf",
    ] {
        assert!(out.join(f).is_file(), "{f} exported");
    }
    assert!(
        std::fs::read(out.join("certificate.pdf"))
            .unwrap()
            .starts_with(b"%PDF-")
    );
    // Offline verification needs no database: run it from elsewhere, with no data directory.
    let o = yici(&["cert", "verify", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains(&ids[0]), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("compare with the published certificate"),
        "{}",
        stdout(&o)
    );
    // Pinned to the published authority certificate it passes; pinned to another, it fails.
    let published = dir.join("published-ca.pem");
    std::fs::copy(out.join("ca.pem"), &published).unwrap();
    let o = yici(&[
        "cert",
        "verify",
        out.to_str().unwrap(),
        "--ca",
        published.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let other = out.join("signer.pem");
    let o = yici(&["cert", "verify", out.to_str().unwrap(), "--ca", other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // A changed byte of the signed bytes fails.
    let mut bytes = std::fs::read(out.join("content.bin")).unwrap();
    let at = bytes.len() - 2;
    bytes[at] ^= 0x01;
    std::fs::write(out.join("content.bin"), &bytes).unwrap();
    let o = yici(&["cert", "verify", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(!stderr(&o).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The storage options are accepted after the subcommand as well as before it, as a new user
/// types them.
#[test]
fn storage_options_are_accepted_before_or_after_the_subcommand() {
    let dir = temp("global-options");
    let data = dir.join("data");
    let data = data.to_str().unwrap();
    for args in [
        vec!["catalog", "seed-demo", "--data", data],
        vec!["catalog", "--data", data, "export", "--format", "csv"],
        vec!["catalog", "export", "--format", "dcat-ttl", "--data", data],
        vec!["audit", "verify", "--data", data],
        vec!["audit", "--data", data, "verify"],
        vec!["cert", "list", "--data", data],
        vec!["user", "list", "--data", data],
    ] {
        let o = yici(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn routes_lists_every_route_and_the_pages_alone() {
    let all = yici(&["routes"]);
    assert_eq!(all.status.code(), Some(0));
    let all = stdout(&all);
    assert!(all.lines().any(|l| l == "POST /api/v1/sharing/requests"), "{all}");
    assert!(all.lines().any(|l| l == "GET /sharing/requests/{id}"));
    let pages = yici(&["routes", "--pages"]);
    let pages = stdout(&pages);
    assert!(pages.lines().any(|l| l == "GET /catalogue/review/{id}"), "{pages}");
    assert!(pages.lines().any(|l| l == "GET /"));
    assert!(
        pages
            .lines()
            .all(|l| l.starts_with("GET /") && !l.starts_with("GET /api/"))
    );
    assert!(pages.lines().count() < all.lines().count());
}

#[test]
fn items_are_seeded_searched_counted_and_exported_from_the_cli() {
    let dir = temp("items");
    let data = dir.to_str().unwrap();
    let seeded = yici(&["items", "--data", data, "seed-demo"]);
    assert_eq!(seeded.status.code(), Some(0), "{}", stderr(&seeded));
    let n: usize = stdout(&seeded)
        .rsplit(':')
        .next()
        .and_then(|v| v.trim().parse().ok())
        .expect("the count");
    assert!(n >= 150, "{n}");
    let stats = stdout(&yici(&["items", "--data", data, "stats"]));
    assert!(stats.starts_with(&format!("事项 {n} 个")), "{stats}");
    let csv = stdout(&yici(&["items", "--data", data, "export", "--format", "csv"]));
    assert_eq!(csv.lines().count(), n + 1);
    // A reader that stops reading (`| head`) ends the command quietly, not with a panic.
    let mut child = Command::new(env!("CARGO_BIN_EXE_yici"))
        .args(["items", "--data", data, "search", "登记", "--limit", "200"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("yici runs");
    drop(child.stdout.take());
    let closed = child.wait_with_output().expect("yici ends");
    assert_eq!(closed.status.code(), Some(0), "{}", stderr(&closed));
    assert!(!stderr(&closed).contains("panicked"), "{}", stderr(&closed));
    let found = stdout(&yici(&["items", "--data", data, "search", "结婚登记"]));
    assert!(found.contains("内地居民结婚登记"), "{found}");
    let bad = yici(&["items", "--data", data, "export", "--format", "xml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("json、csv 或 template"));

    // The implementation list template imports, once; a wrong row is named and nothing written.
    let template = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/items-template.xlsx");
    let imported = yici(&["items", "--data", data, "import", template]);
    assert_eq!(imported.status.code(), Some(0), "{}", stderr(&imported));
    assert!(
        stdout(&imported).contains("保存 1（新增实施 1）"),
        "{}",
        stdout(&imported)
    );
    let again = stdout(&yici(&["items", "--data", data, "import", template, "--submit"]));
    assert!(again.contains("未变 1"), "{again}");
    let bad_file = dir.join("bad.csv");
    std::fs::write(
        &bad_file,
        include_str!("../../../docs/items-template.csv").replacen(",60,工作日,20,", ",10,工作日,20,", 1),
    )
    .unwrap();
    let refused = yici(&["items", "--data", data, "import", bad_file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("第2行 J（承诺办结时限）"),
        "{}",
        stderr(&refused)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_cases_benchmark_runs_and_reports() {
    let dir = temp("cases-bench");
    let data = dir.to_str().unwrap();
    let run = yici(&["cases", "--data", data, "bench", "--cases", "20", "--concurrency", "2"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let out = stdout(&run);
    assert!(out.contains("cases submitted and accepted        20"), "{out}");
    assert!(out.contains("failures                            0"), "{out}");
    assert!(out.contains("materials fetched per case          4"), "{out}");
    assert!(out.contains("per case p99"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

//! Certificates as files and forms: exports checked by OpenSSL and offline, the pages, PDFs
//! with their QR code, bulk issue from spreadsheets, and use under a sharing grant.

mod common;

use axum::http::{Method, StatusCode};
use common::certs::*;
use common::{App, Auth};
use serde_json::json;

/// Run OpenSSL; returns whether it succeeded.
fn openssl(args: &[&str]) -> bool {
    std::process::Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs")
        .status
        .success()
}

async fn an_export_verifies_with_openssl_and_offline(app: App) {
    app.seed_certificates().await;
    let issuer = app.login("cert_issuer").await;
    let c = issue_licence(&app, &issuer).await;
    let dir = export_for_openssl(&app, c["identifier"].as_str().unwrap(), "export").await;
    let record = app
        .store
        .certificate(c["identifier"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    let (ca, _) = app.store.seal_authority().await.unwrap().unwrap();
    let path = |f: &str| dir.join(f).to_string_lossy().into_owned();
    let offline = yici_certificates::library::export::verify_dir(&dir, Some(&ca)).expect("the export verifies offline");
    assert_eq!(offline.ca_fingerprint, yici_crypto::sm3_hex(&ca));
    assert_eq!(offline.content.identifier, c["identifier"].as_str().unwrap());
    assert_eq!(offline.seal_name, "浙江省市场监督管理局");

    // Exactly the documented OpenSSL command, with the public key of signer.pem.
    assert!(
        openssl_verifies(&dir, "content.bin"),
        "OpenSSL verifies the signed bytes"
    );
    assert!(
        openssl(&[
            "verify",
            "-CAfile",
            &path("ca.pem"),
            "-vfyopt",
            "distid:1234567812345678",
            &path("signer.pem")
        ]),
        "OpenSSL verifies the signer's chain"
    );

    // A changed byte fails, for OpenSSL and offline.
    let mut changed = std::fs::read(dir.join("content.bin")).unwrap();
    let at = changed.len() - 3;
    changed[at] ^= 0x01;
    std::fs::write(dir.join("changed.bin"), &changed).unwrap();
    assert!(!openssl_verifies(&dir, "changed.bin"), "OpenSSL refuses a changed byte");
    let original = std::fs::read(dir.join("content.bin")).unwrap();
    std::fs::write(dir.join("content.bin"), &changed).unwrap();
    assert!(yici_certificates::library::export::verify_dir(&dir, Some(&ca)).is_err());
    std::fs::write(dir.join("content.bin"), &original).unwrap();
    let mut json = std::fs::read_to_string(dir.join("certificate.json")).unwrap();
    json = json.replace("王五", "王六");
    std::fs::write(dir.join("certificate.json"), json).unwrap();
    let err = yici_certificates::library::export::verify_dir(&dir, Some(&ca)).unwrap_err();
    assert!(err.contains("content"), "{err}");

    // A forged export (its own root, seal and signer, all consistent) verifies only against its
    // own ca.pem, whose fingerprint differs; against the trusted authority it fails.
    use yici_crypto::{pki, seal, sm2::KeyPair};
    let fake_root_key = KeyPair::generate();
    let fake_root = pki::issue_root(&fake_root_key, "假根证书", "某机构", 365).unwrap();
    let signer_key = KeyPair::generate();
    let signer = pki::issue(
        &fake_root_key,
        &fake_root,
        &signer_key.public(),
        "假印章",
        "某机构",
        365,
    )
    .unwrap();
    let info = pki::inspect(&signer).unwrap();
    let fake_seal = seal::make_seal(
        &fake_root_key,
        &fake_root,
        &seal::SealRequest {
            es_id: "FAKE001",
            name: "浙江省市场监督管理局",
            signer_cert: &signer,
            picture_png: b"\x89PNG",
            size_mm: 42,
            created: info.not_before,
            valid_start: info.not_before,
            valid_end: info.not_after,
        },
    )
    .unwrap();
    let mut forged_content: yici_core::certificate::Content = serde_json::from_slice(&record.content).unwrap();
    forged_content.holder.name = "冒名公司".into();
    let forged_bytes = forged_content.canonical();
    let sealed = seal::sign(
        &fake_seal,
        &signer_key,
        &signer,
        &forged_bytes,
        &forged_content.identifier,
        info.not_before + 60,
    )
    .unwrap();
    let forged = app.dir.join("forged");
    std::fs::create_dir_all(&forged).unwrap();
    let fake_record = yici_store::certificates::CertificateRecord {
        content: forged_bytes,
        signature: sealed.signature,
        ..record.clone()
    };
    for (name, bytes) in yici_certificates::library::export::files(&fake_record, &fake_root).unwrap() {
        std::fs::write(forged.join(name), bytes).unwrap();
    }
    let err = yici_certificates::library::export::verify_dir(&forged, Some(&ca)).unwrap_err();
    assert!(err.contains("ca.pem"), "{err}");
    let own = yici_certificates::library::export::verify_dir(&forged, None).expect("consistent with its own root");
    assert_ne!(
        own.ca_fingerprint, offline.ca_fingerprint,
        "the fingerprint shows the difference"
    );
}
on_both!(an_export_verifies_with_openssl_and_offline);

async fn pages_show_share_verify_and_issue(app: App) {
    app.seed_certificates().await;
    let me = app.login_applicant(CITIZEN, "张三").await;
    let list = app.page("/me/certificates", Some(&me)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.text.contains("结婚证") && list.text.contains("不动产权证书"),
        "{}",
        list.text
    );
    let mine = app.get("/api/v1/me/certificates", Auth::Session(&me)).await.json();
    let house = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type_name"] == "不动产权证书")
        .unwrap()
        .clone();
    let id = house["identifier"].as_str().unwrap();
    let code = house["verification_code"].as_str().unwrap();
    let page = app
        .page(&format!("/me/certificates/{}", common::enc(id)), Some(&me))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    for text in [
        "不动产权证书",
        "坐落",
        "89.50",
        "浙江省自然资源厅（不动产登记）",
        code,
        "扫码核验真伪",
    ] {
        assert!(page.text.contains(text), "{text} on the page");
    }
    // Read in English, the labels and the type's name are English too; the data is not
    // translated.
    let english = app
        .page(&format!("/me/certificates/{}?lang=en", common::enc(id)), Some(&me))
        .await;
    for text in [
        "Real property certificate",
        "Location",
        "Type of right",
        "Area (m²)",
        "89.50",
    ] {
        assert!(english.text.contains(text), "{text} in English: {}", english.text);
    }
    assert!(!english.text.contains(">坐落<") && !english.text.contains(">权利类型<"));
    let listed = app.page("/me/certificates?lang=en", Some(&me)).await;
    assert!(listed.text.contains("Marriage certificate"), "{}", listed.text);
    // The QR code on the page decodes to the verification address with the code.
    let url = common::decode_qr_svg(&common::first_svg(&page.text));
    assert!(url.ends_with(&format!("/verify?id={id}&code={code}")), "{url}");

    // Verifying through the page that address opens.
    let path = &url[url.find("/verify").unwrap()..];
    let verified = app.page(path, None).await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    assert!(verified.text.contains("有效：内容未被篡改"), "{}", verified.text);
    // It names what it verified, the holder masked, the status in words only.
    assert!(
        verified.text.contains("不动产权证书") && verified.text.contains("张*（"),
        "{}",
        verified.text
    );
    assert!(!verified.text.contains(CITIZEN) && !verified.text.contains("（01）"));
    // Dates in one form per language.
    let from: chrono::NaiveDate = house["valid_from"].as_str().unwrap().parse().unwrap();
    assert!(
        verified.text.contains(&from.format("%Y年%-m月%-d日").to_string()),
        "{}",
        verified.text
    );
    let english = app.page(&format!("{path}&lang=en"), None).await;
    assert!(
        english.text.contains(&from.format("%-d %b %Y").to_string()),
        "{}",
        english.text
    );
    assert!(!english.text.contains(&format!("<dd>{from}")));
    let wrong = app
        .page(&format!("/verify?id={}&code=XXXXXXXX", common::enc(id)), None)
        .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert!(wrong.text.contains("没有与该标识和核验码相符的电子证照"));

    // The consent form chooses no department for the holder.
    assert!(
        page.text.contains("<option value=\"\" selected>请选择部门</option>"),
        "{}",
        page.text
    );
    // Sharing through the form: a bad date keeps the input and names the field.
    let window = app.department_id("衢州市数据资源管理局").await.to_string();
    let res = app
        .form(
            &format!("/me/certificates/{}/consents", common::enc(id)),
            &me,
            &[
                ("department_id", &window),
                ("purpose", "抵押登记"),
                ("expires_on", "明天"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert!(
        res.text.contains("抵押登记") && res.text.contains("aria-invalid"),
        "{}",
        res.text
    );
    let until = (chrono::Utc::now() + chrono::Duration::days(7))
        .date_naive()
        .to_string();
    let res = app
        .form(
            &format!("/me/certificates/{}/consents", common::enc(id)),
            &me,
            &[
                ("department_id", &window),
                ("purpose", "抵押登记"),
                ("expires_on", &until),
            ],
        )
        .await;
    assert!(res.status.is_redirection(), "{} {}", res.status, res.text);
    let page = app
        .page(&format!("/me/certificates/{}", common::enc(id)), Some(&me))
        .await;
    assert!(page.text.contains("衢州市数据资源管理局") && page.text.contains("撤回授权"));

    // 亮证 through the page: a QR code that decodes to the show address, which shows the
    // certificate masked.
    let res = app
        .form(&format!("/me/certificates/{}/show", common::enc(id)), &me, &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let to = res.headers["location"].to_str().unwrap().to_string();
    assert!(
        to.starts_with(&format!("/me/certificates/{}?show=", common::enc(id))),
        "{to}"
    );
    let res = app.page(&to, Some(&me)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let show_url = common::decode_qr_svg(&common::first_svg(&res.text));
    // A token that is not this certificate's shows the verification QR code instead.
    let other = app
        .page(&format!("/me/certificates/{}?show=forged", common::enc(id)), Some(&me))
        .await;
    assert!(!other.text.contains("/shows/forged"));
    let shown = app.page(&show_url[show_url.find("/shows/").unwrap()..], None).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    assert!(shown.text.contains("张*") && !shown.text.contains(CITIZEN));
    // Labelled from the type's schema, with the identifier and the seal.
    assert!(shown.text.contains("<dt>不动产单元号</dt>") && !shown.text.contains("<dt>unit_number</dt>"));
    assert!(
        shown.text.contains(id) && shown.text.contains("/picture\""),
        "{}",
        shown.text
    );

    // The window clerk finds it, requests a use copy and sees the watermark.
    let clerk = app.login("window_clerk").await;
    let found = app.page(&format!("/certificates?holder={CITIZEN}"), Some(&clerk)).await;
    assert!(found.text.contains("不动产权证书"), "{}", found.text);
    let copy = app
        .form(
            &format!("/certificates/{}/use-copies", common::enc(id)),
            &clerk,
            &[("purpose", "不动产抵押登记"), ("case_ref", "QZ-7")],
        )
        .await;
    assert_eq!(copy.status, StatusCode::SEE_OTHER, "{}", copy.text);
    let to = copy.headers["location"].to_str().unwrap().to_string();
    let copy = app.page(&to, Some(&clerk)).await;
    assert_eq!(copy.status, StatusCode::OK, "{}", copy.text);
    assert!(
        copy.text.contains("加注件") && copy.text.contains("不动产抵押登记"),
        "{}",
        copy.text
    );

    // Withdrawing the consent is asked once more (nothing changes until confirmed), then done.
    let consents = format!("/api/v1/me/certificates/{}/consents", common::enc(id));
    let consent = app.get(&consents, Auth::Session(&me)).await.json()[0].clone();
    let path = format!(
        "/me/certificates/{}/consents/{}/withdraw",
        common::enc(id),
        consent["id"]
    );
    let ask = app.form(&path, &me, &[]).await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.text);
    assert!(ask.text.contains("衢州市数据资源管理局") && ask.text.contains("name=\"confirmed\" value=\"1\""));
    assert_eq!(app.get(&consents, Auth::Session(&me)).await.json()[0]["revoked"], false);
    let done = app.form(&path, &me, &[("confirmed", "1")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(app.get(&consents, Auth::Session(&me)).await.json()[0]["revoked"], true);
    // Another person's certificate offers no such question.
    let (number, name) = yici_server::demo::certificates::demo_company();
    let other = app.login_applicant(&number, name).await;
    assert_ne!(app.form(&path, &other, &[]).await.status, StatusCode::OK);

    // The issuer's form keeps the input and lists the bad fields.
    let issuer = app.login("cert_issuer").await;
    let code = type_code(&app, "营业执照").await;
    // The issue form is reached from the list by a link, not by typing an address.
    let list = app.page("/certificates", Some(&issuer)).await;
    assert!(
        list.text
            .contains(&format!("<a href=\"/certificates/new?type={code}\">营业执照</a>")),
        "{}",
        list.text
    );
    let form = app.page(&format!("/certificates/new?type={code}"), Some(&issuer)).await;
    assert!(form.text.contains("法定代表人"), "{}", form.text);
    // A valid certificate offers what a valid certificate allows: no 恢复使用.
    let licence = issue_licence(&app, &issuer).await;
    let licence = licence["identifier"].as_str().unwrap();
    let one = app
        .page(&format!("/certificates/{}", common::enc(licence)), Some(&issuer))
        .await;
    assert!(one.text.contains("value=\"suspend\"") && one.text.contains("value=\"cancel\""));
    assert!(!one.text.contains("value=\"resume\""), "{}", one.text);
    // 撤销 is asked once more, with the reason; only the confirmation revokes.
    let path = format!("/certificates/{}/operations", common::enc(licence));
    let ask = app
        .form(&path, &issuer, &[("operation", "revoke"), ("reason", "依法撤销")])
        .await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.text);
    assert!(
        ask.text.contains("确认撤销") && ask.text.contains("依法撤销"),
        "{}",
        ask.text
    );
    let api = format!("/api/v1/certificates/{}", common::enc(licence));
    assert_eq!(app.get(&api, Auth::Session(&issuer)).await.json()["status"], "01");
    let done = app
        .form(
            &path,
            &issuer,
            &[("operation", "revoke"), ("reason", "依法撤销"), ("confirmed", "1")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(app.get(&api, Auth::Session(&issuer)).await.json()["status"], "03");
    let res = app
        .form(
            "/certificates/new",
            &issuer,
            &[
                ("type", &code),
                ("holder_code", &company()),
                ("holder_name", "某公司"),
                ("data.registered_capital", "很多"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert!(
        res.text.contains("很多") && res.text.contains("注册资本"),
        "{}",
        res.text
    );
    let types = app.page("/certificate-types", None).await;
    assert_eq!(types.status, StatusCode::OK);
    assert!(
        types.text.contains("食品经营许可证") && types.text.contains("5年"),
        "{}",
        types.text
    );
    let operator = app.login("operator").await;
    let seals = app.page("/seals", Some(&operator)).await;
    assert!(seals.text.contains("浙江省市场监督管理局"), "{}", seals.text);
    assert!(seals.text.contains("<a href=\"/api/v1/seal-authority/certificate\">"));
}
on_both!(pages_show_share_verify_and_issue);

async fn pdfs_carry_the_text_the_seal_and_a_qr_code_that_verifies(app: App) {
    app.seed_certificates().await;
    let issuer = app.login("cert_issuer").await;
    let c = issue_licence(&app, &issuer).await;
    let id = c["identifier"].as_str().unwrap();
    let code = c["verification_code"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/certificates/{id}/pdf"), Auth::Session(&issuer))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.headers["content-type"], "application/pdf");
    let (_, pdf) = app.bytes(&format!("/api/v1/certificates/{id}/pdf"), &issuer).await;
    assert!(pdf.starts_with(b"%PDF-1.7"));
    assert!(
        String::from_utf8_lossy(&pdf).contains("pdfaid:conformance"),
        "PDF/A metadata"
    );
    // Nobody else gets the issuer's PDF.
    let clerk = app.login("window_clerk").await;
    let res = app
        .get(&format!("/api/v1/certificates/{id}/pdf"), Auth::Session(&clerk))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    if !common::have_tool("pdftotext") {
        return;
    }
    let text = common::pdf_text(&pdf);
    for t in [
        "营业执照",
        "衢州一次餐饮有限公司",
        "法定代表人",
        "王五",
        "浙江省市场监督管理局",
        code,
        "扫码核验真伪",
    ] {
        assert!(text.contains(t), "{t} in the PDF text:\n{text}");
    }
    let url = common::pdf_qr(&pdf);
    assert!(url.ends_with(&format!("/verify?id={id}&code={code}")), "{url}");
    let path = &url[url.find("/verify").unwrap()..];
    let page = app.page(path, None).await;
    assert!(
        page.text.contains("有效：内容未被篡改"),
        "the QR code's address verifies the certificate"
    );

    // A use copy names the department, the purpose and its expiry.
    let me = app.login_applicant(CITIZEN, "张三").await;
    let house = my_certificate(&app, &me, "不动产权证书").await;
    let window = app.department_id("衢州市数据资源管理局").await;
    let until = (chrono::Utc::now() + chrono::Duration::days(3)).date_naive();
    app.call(
        Method::POST,
        &format!("/api/v1/me/certificates/{house}/consents"),
        Auth::Session(&me),
        Some(json!({"department_id": window, "purpose": "抵押登记", "expires_on": until})),
    )
    .await;
    let copy = app
        .call(
            Method::POST,
            &format!("/api/v1/certificates/{house}/use-copies"),
            Auth::Session(&clerk),
            Some(json!({"purpose": "办理不动产抵押登记"})),
        )
        .await
        .json();
    let (status, copy_pdf) = app.bytes(copy["pdf_url"].as_str().unwrap(), &clerk).await;
    assert_eq!(status, StatusCode::OK);
    let text = common::pdf_text(&copy_pdf);
    for t in [
        "加注件",
        "衢州市数据资源管理局",
        "办理不动产抵押登记",
        "有效期至",
        "不动产权证书",
    ] {
        assert!(text.contains(t), "{t} in the use copy:\n{text}");
    }
    // Another department cannot fetch this department's use copy.
    let res = app.get(copy["pdf_url"].as_str().unwrap(), Auth::Session(&issuer)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.text);
    // The holder downloads their own.
    let res = app
        .get(&format!("/api/v1/me/certificates/{house}/pdf"), Auth::Session(&me))
        .await;
    assert_eq!(res.status, StatusCode::OK);
}
on_both!(pdfs_carry_the_text_the_seal_and_a_qr_code_that_verifies);

async fn spreadsheets_issue_in_bulk_with_errors_by_row(app: App) {
    app.seed_certificates().await;
    let issuer = app.login("cert_issuer").await;
    let code = type_code(&app, "食品经营许可证").await;
    let template = app
        .get(&format!("/api/v1/certificate-types/{code}/template.csv"), Auth::None)
        .await;
    assert!(
        template.text.contains("持证主体证件号码") && template.text.contains("主体业态"),
        "{}",
        template.text
    );
    let csv = format!(
        "持证主体证件号码,持证主体名称,经营场所,主体业态,经营项目\n\
         {},一号餐厅有限公司,衢州市柯城区1号,餐饮服务经营者,热食类食品制售\n\
         91350100M000100Y43,二号超市有限公司,衢州市柯城区2号,食品销售经营者,预包装食品销售\n\
         91350100M000100Y44,三号食堂,衢州市柯城区3号,酒吧,冷食\n",
        company()
    );
    let send = |partial: bool| {
        let path = format!("/api/v1/certificates/import?type_code={code}&filename=permits.csv&partial={partial}");
        let (app, issuer, csv) = (&app, &issuer, &csv);
        async move { app.upload(&path, issuer, csv.as_str()).await }
    };
    let before = app
        .get("/api/v1/certificates?limit=200", Auth::Session(&issuer))
        .await
        .json();
    let res = send(false).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert_eq!(res.code(), "import_refused");
    let fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert!(
        fields
            .iter()
            .any(|f| f.starts_with("第4行") && f.contains("统一社会信用代码"))
            || fields
                .iter()
                .any(|f| f.starts_with("第4行") && f.contains("持证主体证件号码")),
        "{fields:?}"
    );
    assert!(
        fields.iter().any(|f| f.starts_with("第4行") && f.contains("主体业态")),
        "{fields:?}"
    );
    assert!(
        !fields.iter().any(|f| f.starts_with("第2行") || f.starts_with("第3行")),
        "{fields:?}"
    );
    let after = app
        .get("/api/v1/certificates?limit=200", Auth::Session(&issuer))
        .await
        .json();
    assert_eq!(before, after, "all or nothing: nothing was issued");

    let res = send(true).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let r = res.json();
    assert_eq!(
        (r["issued"].as_u64(), r["rejected"].as_u64()),
        (Some(2), Some(1)),
        "{r}"
    );
    // The same file again issues nothing twice.
    let again = send(true).await.json();
    assert_eq!(again["identifiers"], r["identifiers"]);
    let count = app
        .get("/api/v1/certificates?limit=200", Auth::Session(&issuer))
        .await
        .json();
    assert_eq!(count.as_array().unwrap().len(), before.as_array().unwrap().len() + 2);
    // An unknown column refuses the file.
    // The same from an .xlsx workbook (both rows valid: issued together, numbers kept).
    let xlsx = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/certificates.xlsx")).unwrap();
    let res = app
        .upload(
            &format!("/api/v1/certificates/import?type_code={code}&filename=permits.xlsx"),
            &issuer,
            xlsx,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["issued"], 2, "{}", res.text);
    let id = res.json()["identifiers"][0].as_str().unwrap().to_string();
    let c = app
        .get(&format!("/api/v1/certificates/{id}"), Auth::Session(&issuer))
        .await
        .json();
    assert_eq!(c["number"], "JY23308020000004");
    assert_eq!(c["data"]["main_business"], "餐饮服务经营者");

    let res = app
        .upload(
            &format!("/api/v1/certificates/import?type_code={code}&filename=x.csv"),
            &issuer,
            "持证主体证件号码,持证主体名称,颜色\nx,y,z\n",
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("颜色"), "{}", res.text);
}
on_both!(spreadsheets_issue_in_bulk_with_errors_by_row);

async fn departments_find_certificates_under_a_sharing_grant(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    let market = app.department_id("浙江省市场监督管理局").await;
    let window = app.department_id("衢州市数据资源管理局").await;
    let licence_resource = app.store.catalogue_find(market, "营业执照信息").await.unwrap().unwrap();
    let types = app.get("/api/v1/certificate-types", Auth::None).await.json();
    let licence_type = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "营业执照")
        .unwrap()
        .clone();
    assert_eq!(
        licence_type["resource_id"], licence_resource.id,
        "the demo links the licence to its resource"
    );

    let clerk = app.login("window_clerk").await;
    let token = app.token("衢州一窗受理平台");
    let find = format!("/api/v1/certificates?holder={}", company());
    assert_eq!(
        app.get(&find, Auth::Session(&clerk)).await.json(),
        json!([]),
        "no grant yet"
    );

    // The window's system is granted the licence resource.
    let system = app
        .store
        .system_by_name(window, "衢州一窗受理平台")
        .await
        .unwrap()
        .unwrap();
    yici_server::demo::DirectGrant {
        provider_department_id: market,
        consumer_department_id: window,
        system_id: system.id,
        resource_id: licence_resource.id,
        items: &["统一社会信用代码", "名称"],
        purpose: "企业开办一件事核验营业执照",
        legal_basis: "《优化营商环境条例》",
        days: 30,
        daily_quota: 4,
    }
    .record(&app.store)
    .await
    .unwrap();

    // Without the link the grant does not reach the certificates; the issuer links the type to
    // its own published resource only.
    let issuer = app.login("cert_issuer").await;
    let link = format!(
        "/api/v1/certificate-types/{}/resource",
        licence_type["code"].as_str().unwrap()
    );
    let res = app
        .call(
            Method::PUT,
            &link,
            Auth::Session(&issuer),
            Some(json!({"resource_id": null})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(app.get(&find, Auth::Session(&clerk)).await.json(), json!([]));
    let people = app
        .store
        .catalogue_find(app.department_id("浙江省公安厅").await, "人口基础信息")
        .await
        .unwrap()
        .unwrap();
    let res = app
        .call(
            Method::PUT,
            &link,
            Auth::Session(&issuer),
            Some(json!({"resource_id": people.id})),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another department's resource"
    );
    let res = app
        .call(
            Method::PUT,
            &link,
            Auth::Session(&issuer),
            Some(json!({"resource_id": licence_resource.id})),
        )
        .await;
    assert_eq!(res.json()["resource_id"], licence_resource.id, "{}", res.text);

    for auth in [Auth::Session(&clerk), Auth::Bearer(&token)] {
        let found = app.get(&find, auth).await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.text);
        let names: Vec<String> = found
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["type_name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["营业执照"], "only the granted type, not the food permit");
    }
    // Another department's system holds no grant.
    let police = app.token("人口信息管理系统");
    assert_eq!(app.get(&find, Auth::Bearer(&police)).await.json(), json!([]));
    // The use under the grant names it in the log and in the holder's uses.
    let found = app.get(&find, Auth::Session(&clerk)).await.json();
    let id = found[0]["identifier"].as_str().unwrap();
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/certificates/{id}/use-copies"),
            Auth::Bearer(&token),
            Some(json!({"purpose": "企业开办核验", "case_ref": "QZ-2026-0099"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let grant_id = app.store.grants_for(system.id, licence_resource.id).await.unwrap()[0].id;
    let entries = app.logged("certificate.use_copy", None).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].content.grant_ref, Some(grant_id.to_string()));
    assert_eq!(entries[0].content.case_ref.as_deref(), Some("QZ-2026-0099"));
    // Four uses today: the grant's daily quota is used up.
    let res = app.get(&find, Auth::Session(&clerk)).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.text);
    assert!(res.headers.contains_key("retry-after"));

    // Revoking the grant ends the access.
    let ev = yici_core::audit::AuditEvent::new(
        0,
        yici_core::audit::Actor::named("test"),
        yici_core::audit::Action::GrantRevoke,
        "grant",
        "t",
    );
    app.store.grant_revoke(grant_id, &ev).await.unwrap();
    assert_eq!(app.get(&find, Auth::Session(&clerk)).await.json(), json!([]));
    let res = app
        .get(&format!("/api/v1/certificates/{id}"), Auth::Bearer(&token))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}
on_both!(departments_find_certificates_under_a_sharing_grant);
